/* `pcapscan --live IFACE` / `--follow FILE`: the scan of a capture that keeps coming. Each
 * observation reaches the trust engine as soon as it is complete and each decision is written as
 * it is made; at SIGINT/SIGTERM the run ends with the batch report of everything seen, so the
 * summary is the one an offline audit of the same packets gives. docs/live.md. */
#ifndef PCAPSCAN_LIVE_H
#define PCAPSCAN_LIVE_H

#include "cli/opts.h"

/* Returns the exit code (as cmd_scan's). */
int cmd_live(const scan_opts *o);

/* The default BPF filter for --live (caller frees): TFTP requests and every UDP datagram that can
 * be TFTP data (opcodes 1-6, any port), IPv4 fragments, IPv6 UDP, HTTP ports, watched TLS ports;
 * also inside one VLAN tag. NULL when out of memory. */
char *live_default_filter(const scan_opts *o);

/* The package gives /usr/bin/pcapscan the file capability cap_net_raw for --live; everything else
 * (offline scans, show, merge) gives it up first when not run by root. */
void live_drop_file_caps(void);

#endif
