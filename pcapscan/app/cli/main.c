/* pcapscan: audit Cisco UCM Security-By-Default traffic in captures; `show` inspects files. */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_merge.h"
#include "cli/cmd_scan.h"
#include "cli/live.h"
#include "cli/opts.h"
#include "cli/show.h"

#ifndef SBD_VERSION
#define SBD_VERSION "0.0.0"
#endif

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "show") == 0 || strcmp(argv[1], "merge") == 0)) {
        live_drop_file_caps(); /* only --live needs the package's cap_net_raw */
        return argv[1][0] == 's' ? cmd_show(argc - 1, argv + 1) : cmd_merge(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("pcapscan %s\n", SBD_VERSION);
        return 0;
    }
    if (argc < 2) {
        scan_usage(stderr); /* names show, merge and --version too */
        return 2;
    }
    return cmd_scan(argc, argv); /* the default command: audit captures */
}
