/* `pcapscan [OPTIONS] INPUT...`: scan every input (in parallel with -j), run the rules over all of
 * them in packet-time order, write the reports. Exit 0 no error finding, 1 error finding(s),
 * 2 an input could not be read (the others are still audited). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/certs.h"
#include "cli/cmd_scan.h"
#include "lib/escape.h"
#include "scan/extract.h"
#include "cli/live.h"
#include "cli/progress.h"
#include "report/report.h"
#include "rules/rules.h"
#include "scan/scan.h"

typedef struct shared {
    const scan_opts *o;
    run *r;
    pthread_mutex_t lock;
    size_t next;
    progress *progress; /* NULL: no progress line */
} shared;

/* What the scan's progress callback is handed: the run and which input it reads. */
typedef struct reading {
    shared *s;
    size_t i;
} reading;

static void on_progress(void *user, const scan_progress *sp)
{
    const reading *rd = user;
    progress_update(rd->s->progress, rd->i, sp);
}

static void *worker_main(void *arg)
{
    shared *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        size_t i = s->next < s->r->n_inputs ? s->next++ : SIZE_MAX;
        pthread_mutex_unlock(&s->lock);
        if (i == SIZE_MAX)
            return NULL;
        obs_input *in = &s->r->inputs[i];
        reading rd = {s, i};
        if (scan_input(s->o, in, s->progress ? on_progress : NULL, &rd) != 0) {
            flockfile(stderr); /* one line, whatever the other workers write */
            if (s->progress)
                fputs("\r\033[K", stderr); /* not glued to the progress line */
            fputs("pcapscan: ", stderr);
            esc_term(stderr, in->open_error); /* names the path, from a directory walk */
            fputc('\n', stderr);
            funlockfile(stderr);
        }
        progress_done(s->progress, i);
    }
}

/* Runs the inputs on o->jobs threads (the calling thread when 1); results land by index, so the
 * outcome does not depend on scheduling. */
static void scan_all(const scan_opts *o, run *r)
{
    shared s = {.o = o, .r = r};
    if (o->progress && r->n_inputs)
        s.progress = progress_new(stderr, r->inputs, r->n_inputs);
    pthread_mutex_init(&s.lock, NULL);
    size_t nthreads = (size_t)o->jobs < r->n_inputs ? (size_t)o->jobs : r->n_inputs;
    pthread_t *th = nthreads > 1 ? calloc(nthreads, sizeof *th) : NULL;
    size_t started = 0;
    for (size_t i = 0; th && i < nthreads; i++)
        if (pthread_create(&th[i], NULL, worker_main, &s) == 0)
            started++;
    if (!started)
        worker_main(&s);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    progress_free(s.progress);
    pthread_mutex_destroy(&s.lock);
}

int run_scan(const scan_opts *o, run *r)
{
    memset(r, 0, sizeof *r);
    r->o = o;
    store_init(&r->content);
    cap_paths paths;
    if (cap_paths_expand(o->inputs, o->n_inputs, &paths) != 0)
        return -1;
    if (paths.skipped)
        fprintf(stderr,
                "pcapscan: skipped %zu file(s) in the folders that are no capture (notes, "
                "key logs, pictures...)\n",
                paths.skipped);
    if (paths.empty_dir) {
        fprintf(stderr,
                "pcapscan: %s: no capture (pcap, pcapng, or either gzip'd) in this folder\n",
                paths.empty_dir);
        r->no_capture_dir = true;
    }
    r->inputs = calloc(paths.count ? paths.count : 1, sizeof *r->inputs);
    if (!r->inputs) {
        cap_paths_free(&paths);
        return -1;
    }
    /* --shard K/N: round robin over the expanded list, so every shard gets the same list. */
    for (size_t i = 0; i < paths.count; i++) {
        if (o->shard_n && i % o->shard_n != o->shard_k - 1)
            continue;
        obs_input_init(&r->inputs[r->n_inputs], r->n_inputs, paths.items[i]);
        r->inputs[r->n_inputs++].listed = i;
    }
    cap_paths_free(&paths);
    r->certs = obs_certs_new(); /* NULL: each input makes its own */
    for (size_t i = 0; i < r->n_inputs; i++)
        r->inputs[i].certs = r->certs;
    scan_all(o, r);
    return rules_run(r);
}

int cmd_scan(int argc, char **argv)
{
    scan_opts o;
    int prc = scan_opts_parse(argc, argv, &o);
    if (prc != 0)
        return prc > 0 ? 0 : 2;
    if (o.extract_dir && !(o.extractor = extract_open(o.extract_dir)))
        return 2;
    if (o.live_iface || o.follow_path || o.print_filter)
        return cmd_live(&o);
    live_drop_file_caps();
    run r;
    if (run_scan(&o, &r) != 0)
        fputs("pcapscan: out of memory: results are incomplete\n", stderr);
    int rc = report_outputs(&r);
    run_free(&r);
    return rc;
}
