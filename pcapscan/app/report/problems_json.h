/* An input's skipped items (model/problems.h) as the JSON of the report and of merge's reader. */
#ifndef PCAPSCAN_PROBLEMS_JSON_H
#define PCAPSCAN_PROBLEMS_JSON_H

#include <stdbool.h>

#include <jansson.h>

#include "model/problems.h"

/* "problems": [{packet, what, offset?, detail}], "problems_not_listed": N, set on the input object
 * only when there is something to say. */
void problems_to_json(json_t *input_obj, const problem_list *l, bool fixed_keys);

/* The inverse, for merge. false (with *why set) on a malformed value. */
bool problems_from_json(const json_t *input_obj, problem_list *l, const char **why);

#endif
