#ifndef PCAPSCAN_SHOW_H
#define PCAPSCAN_SHOW_H

/* `pcapscan show ...`; argv[0] is "show". Returns the process exit code. */
int cmd_show(int argc, char **argv);

#endif
