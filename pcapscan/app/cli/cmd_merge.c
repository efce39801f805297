/* `pcapscan merge`: read shard results, rebuild the observations, run the same rules pass as a
 * scan (rules.c), write the same reports. Exit 0 no error finding, 1 error finding(s), 2 a results
 * file or an input could not be read (the other results are still merged), or a usage error. */
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_merge.h"
#include "cli/opts.h"
#include "lib/escape.h"
#include "report/obs_json.h"
#include "report/report.h"
#include "rules/rules.h"

/* The shards' --now/--expiry-days unless given here (expiry_days < 0: not given); -1 when they
 * disagree and one is not given. */
static int settle_judging(scan_opts *o, bool now_given, const obs_json_set *set)
{
    bool expiry_given = o->expiry_days >= 0;
    if (set->opts_differ && (!now_given || !expiry_given)) {
        fputs("pcapscan merge: the results were judged with different --now/--expiry-days; "
              "give both to merge\n",
              stderr);
        return -1;
    }
    if (!now_given) {
        o->has_now = set->has_now;
        o->now = set->now;
    }
    if (!expiry_given)
        o->expiry_days = set->opts_seen ? set->expiry_days : 30;
    return 0;
}

int cmd_merge(int argc, char **argv)
{
    scan_opts o;
    int prc = opts_parse(OPTS_MERGE, argc, argv, &o);
    if (prc != 0)
        return prc > 0 ? 0 : 2;
    bool now_given = o.has_now;
    obs_json_set set;
    memset(&set, 0, sizeof set);
    bool read_error = false;
    for (size_t i = 0; i < o.n_inputs; i++) {
        char err[512];
        if (obs_json_read(o.inputs[i], i, &set, err, sizeof err) != 0) {
            fputs("pcapscan merge: ", stderr);
            esc_term(stderr, err); /* quotes the results file */
            fputc('\n', stderr);
            read_error = true;
        }
    }
    if (settle_judging(&o, now_given, &set) != 0) {
        obs_json_set_free(&set);
        return 2;
    }
    o.inputs = NULL; /* the captures are the shards': none is read here */
    o.n_inputs = 0;
    run r;
    memset(&r, 0, sizeof r);
    r.o = &o;
    store_init(&r.content);
    if (obs_json_take(&set, &r) != 0 || rules_run(&r) != 0)
        fputs("pcapscan merge: out of memory: results are incomplete\n", stderr);
    obs_json_set_free(&set);
    int rc = report_outputs(&r);
    run_free(&r);
    return read_error ? 2 : rc;
}
