/* par_for (see par.h): a shared next-item counter and a per-item "finished" flag under one lock. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "lib/par.h"

typedef struct par {
    size_t n, next;
    par_fn fn;
    void *ctx;
    bool *finished;
    pthread_mutex_t lock;
    pthread_cond_t cond;
} par;

static void *par_worker(void *arg)
{
    par *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t i = p->next < p->n ? p->next++ : p->n;
        pthread_mutex_unlock(&p->lock);
        if (i == p->n)
            return NULL;
        p->fn(p->ctx, i);
        pthread_mutex_lock(&p->lock);
        p->finished[i] = true;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
    }
}

static void serial(size_t n, par_fn fn, par_fn done, void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        fn(ctx, i);
        if (done)
            done(ctx, i);
    }
}

void par_for(size_t n, int jobs, par_fn fn, par_fn done, void *ctx)
{
    size_t nthreads = jobs > 1 ? ((size_t)jobs < n ? (size_t)jobs : n) : 0;
    par p = {.n = n, .fn = fn, .ctx = ctx};
    pthread_t *th = nthreads > 1 ? calloc(nthreads, sizeof *th) : NULL;
    p.finished = th ? calloc(n, sizeof *p.finished) : NULL;
    if (!p.finished) {
        free(th);
        serial(n, fn, done, ctx);
        return;
    }
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.cond, NULL);
    size_t started = 0;
    for (size_t i = 0; i < nthreads; i++)
        if (pthread_create(&th[started], NULL, par_worker, &p) == 0)
            started++;
    if (!started)
        par_worker(&p); /* no thread: this one does everything */
    for (size_t i = 0; done && i < n; i++) {
        pthread_mutex_lock(&p.lock);
        while (!p.finished[i])
            pthread_cond_wait(&p.cond, &p.lock);
        pthread_mutex_unlock(&p.lock);
        done(ctx, i);
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_cond_destroy(&p.cond);
    pthread_mutex_destroy(&p.lock);
    free(p.finished);
    free(th);
}
