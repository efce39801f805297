/* Skipped items as JSON, both ways (problems_json.h). */
#include <stdio.h>
#include <string.h>

#include "lib/escape.h"
#include "report/problems_json.h"

void problems_to_json(json_t *input_obj, const problem_list *l, bool fixed_keys)
{
    if (!l->n && !fixed_keys)
        return;
    json_t *arr = json_array();
    for (size_t i = 0; i < l->n; i++) {
        const problem *p = &l->item[i];
        json_t *o = json_object();
        esc_json_set(o, "packet", json_integer((json_int_t)p->packet));
        esc_json_set(o, "what", esc_json_str(p->what));
        if (p->offset != PROBLEM_NO_OFFSET)
            esc_json_set(o, "offset", json_integer((json_int_t)p->offset));
        else if (fixed_keys)
            esc_json_set(o, "offset", json_null());
        esc_json_set(o, "detail", esc_json_str(p->detail));
        esc_json_append(arr, o);
    }
    esc_json_set(input_obj, "problems", arr);
    esc_json_set(input_obj, "problems_not_listed", json_integer((json_int_t)l->not_listed));
}

/* The kinds scan.c names (problems.h); anything else did not come from pcapscan. */
static bool known_what(const char *what)
{
    static const char *const kinds[] = {"malformed", "short_frame", "link", "fragment",
                                        "tls",       "not_tls",     "http"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(what, kinds[i]) == 0)
            return true;
    return false;
}

static bool problem_from_json(const json_t *o, problem *p)
{
    const json_t *pkt = json_object_get(o, "packet"), *off = json_object_get(o, "offset");
    const char *what = json_string_value(json_object_get(o, "what"));
    const char *detail = json_string_value(json_object_get(o, "detail"));
    if (!json_is_integer(pkt) || json_integer_value(pkt) < 0 || !what || !known_what(what) ||
        !detail ||
        (off && !json_is_null(off) && (!json_is_integer(off) || json_integer_value(off) < 0)))
        return false;
    p->packet = (uint64_t)json_integer_value(pkt);
    p->offset = json_is_integer(off) ? (uint64_t)json_integer_value(off) : PROBLEM_NO_OFFSET;
    snprintf(p->what, sizeof p->what, "%s", what);
    snprintf(p->detail, sizeof p->detail, "%s", detail);
    return true;
}

bool problems_from_json(const json_t *input_obj, problem_list *l, const char **why)
{
    memset(l, 0, sizeof *l);
    const json_t *arr = json_object_get(input_obj, "problems");
    const json_t *rest = json_object_get(input_obj, "problems_not_listed");
    if (!arr && !rest)
        return true;
    *why = "\"problems\" must be an array of at most 16 {packet, what (a known kind), offset, "
           "detail}";
    if (!json_is_array(arr) || json_array_size(arr) > PROBLEMS_LISTED || !json_is_integer(rest) ||
        json_integer_value(rest) < 0)
        return false;
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (!problem_from_json(json_array_get(arr, i), &l->item[l->n++]))
            return false;
    l->not_listed = (uint64_t)json_integer_value(rest);
    return true;
}
