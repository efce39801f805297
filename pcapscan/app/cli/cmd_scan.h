/* The default command: `pcapscan [OPTIONS] INPUT...` (see opts.c for the options). */
#ifndef PCAPSCAN_CMD_SCAN_H
#define PCAPSCAN_CMD_SCAN_H

#include "cli/opts.h"
#include "model/run.h"

/* argv[0] is the program name. Returns the process exit code. */
int cmd_scan(int argc, char **argv);

/* Scan o->inputs and run the rules into *r (free with run_free). Used by cmd_scan and the fuzz
 * target. Returns 0, or -1 when memory ran out (r is still consistent). */
int run_scan(const scan_opts *o, run *r);

#endif
