/* The rules pass (rules.c): the run's observations fed to the trust engine in packet-time order;
 * its decisions become the run's findings, file verdicts and moves. */
#ifndef PCAPSCAN_RULES_H
#define PCAPSCAN_RULES_H

#include <stdbool.h>

#include "model/run.h"
#include "sbd/services.h"
#include "sbd/trust.h"

/* After all inputs are scanned: move their content into run->content, then decide every file's
 * signature verdict and every finding (cross-capture rules in packet-time order). */
int rules_run(run *r);

/* What the rules pass hands the trust engine, shared with the live pass (live.c) so both feed it
 * the same events. The event points into buf, which must live until it is handed over. */
#define RUN_MAX_CHAIN 16
typedef struct run_ev_buf {
    char client[64], server[64];
    const sbd_cert_info *chain[RUN_MAX_CHAIN];
} run_ev_buf;
/* The engine event of a file observation b (its parsed content, or NULL) was seen at; false for
 * what the engine does not take (an upload). */
bool run_file_event(const obs_file *f, const blob *b, sbd_trust_at at, run_ev_buf *buf,
                    sbd_trust_file_ev *ev);
/* The engine event of a TLS session on a port of svc; false when it shows no certificate to
 * judge (a failed or certificate-less handshake: buf still names its client and server). */
bool run_tls_event(const obs_tls *t, const sbd_service_table *svc, sbd_trust_at at, run_ev_buf *buf,
                   sbd_trust_tls_ev *ev);
/* Rules whose findings count one per certificate or content per capture, whichever phone met it. */
bool run_counted_per_capture(sbd_rule rule);

#endif
