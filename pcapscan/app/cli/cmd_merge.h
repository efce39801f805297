/* `pcapscan merge [OPTIONS] RESULTS.jsonl...`: combine the JSON-lines outputs of several
 * `pcapscan --json --json-content` runs (shards) and run the rules again over all of their
 * observations, so cross-capture findings appear as in one run over every input. */
#ifndef PCAPSCAN_CMD_MERGE_H
#define PCAPSCAN_CMD_MERGE_H

/* argv[0] is "merge". Returns the process exit code (as the scan's: 0, 1 or 2). */
int cmd_merge(int argc, char **argv);

#endif
