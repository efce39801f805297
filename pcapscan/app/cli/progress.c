/* The scan's progress line on a terminal. What tcpdump -r and curl users expect to see of a long
 * read: which file, how far in it (bytes, percent), how many inputs are done, how fast, how long
 * it will still take. Drawn with "\r" + erase-to-end so it stays on one line, cut to the
 * terminal's width (a wrapped line could not be redrawn in place). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/progress.h"
#include "lib/escape.h"

/* Redraws at most this often: a terminal is slower than the scan. */
#define REDRAW_NSEC (200 * 1000000LL)

typedef struct progress_input {
    uint64_t size; /* 0: unknown (stdin from a pipe) */
    uint64_t pos;  /* the last position reported */
    bool done;
} progress_input;

struct progress {
    FILE *out;
    pthread_mutex_t lock;
    const obs_input *inputs;
    progress_input *in;
    size_t n, n_done;
    uint64_t total;   /* sum of the known sizes */
    bool total_known; /* every size is known: percent and time left of the whole run */
    uint64_t read;    /* bytes read over all inputs */
    int64_t start_ns, last_draw_ns;
    size_t current; /* the input last reported */
    bool drawn;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

progress *progress_new(FILE *out, const obs_input *inputs, size_t n)
{
    progress *p = calloc(1, sizeof *p);
    if (!p || !(p->in = calloc(n ? n : 1, sizeof *p->in))) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    p->out = out;
    p->inputs = inputs;
    p->n = n;
    p->total_known = true;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(inputs[i].path, "-") != 0 && stat(inputs[i].path, &st) == 0 &&
            S_ISREG(st.st_mode) && st.st_size > 0)
            p->in[i].size = (uint64_t)st.st_size;
        else
            p->total_known = false;
        p->total += p->in[i].size;
    }
    p->start_ns = p->last_draw_ns = now_ns();
    return p;
}

/* The unit of v: 1024^u and its name (B, KiB, MiB, GiB, TiB). */
static int unit_of(uint64_t v)
{
    int u = 0;
    while (v >= 1024 * 1024 && u < 3) {
        v /= 1024;
        u++;
    }
    return v >= 1024 ? u + 1 : u;
}

static const char *const unit_names[] = {"B", "KiB", "MiB", "GiB", "TiB"};

/* v in 1024^u, 3 significant digits: "512", "3.40", "87.1". */
static const char *scaled(uint64_t v, int u, char *buf, size_t sz)
{
    double d = (double)v;
    for (int k = 0; k < u; k++)
        d /= 1024;
    snprintf(buf, sz, u == 0 ? "%.0f" : d < 10 ? "%.2f" : d < 100 ? "%.1f" : "%.0f", d);
    return buf;
}

/* "87.1 MiB". */
static const char *human(uint64_t v, char *buf, size_t sz)
{
    char num[24];
    int u = unit_of(v);
    snprintf(buf, sz, "%s %s", scaled(v, u, num, sizeof num), unit_names[u]);
    return buf;
}

/* "1.52/9.44 MiB": both in the unit of the whole. */
static const char *human_pair(uint64_t part, uint64_t whole, char *buf, size_t sz)
{
    char a[24], b[24];
    int u = unit_of(whole);
    snprintf(buf, sz, "%s/%s %s", scaled(part, u, a, sizeof a), scaled(whole, u, b, sizeof b),
             unit_names[u]);
    return buf;
}

/* "42 s", "3:07", "1:02:03". */
static const char *duration(double sec, char *buf, size_t sz)
{
    unsigned long long s = (unsigned long long)(sec + 0.5);
    if (s < 60)
        snprintf(buf, sz, "%llu s", s);
    else if (s < 3600)
        snprintf(buf, sz, "%llu:%02llu", s / 60, s % 60);
    else
        snprintf(buf, sz, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
    return buf;
}

static size_t term_width(FILE *out)
{
    struct winsize ws;
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col;
    return 80;
}

/* The name's tail that fits in room bytes ("...tail"), never starting inside a UTF-8 sequence. */
static void fit_name(const char *shown, size_t room, char *out, size_t outsz)
{
    size_t len = strlen(shown);
    if (len <= room || room < 8) {
        snprintf(out, outsz, "%s", len <= room ? shown : "...");
        return;
    }
    const char *tail = shown + len - (room - 3);
    while ((unsigned char)*tail >= 0x80 && (unsigned char)*tail < 0xC0)
        tail++;
    snprintf(out, outsz, "...%s", tail);
}

/* Called with the lock held. */
static void draw(progress *p, int64_t now)
{
    const progress_input *cur = &p->in[p->current];
    char pos[64], rate[40], left[24], tail[200], line[512], name[400], shown[400];
    double elapsed = (double)(now - p->start_ns) / 1e9;
    double bps = elapsed > 0.05 && p->read ? (double)p->read / elapsed : 0;
    int n = 0;
    if (cur->size)
        n = snprintf(tail, sizeof tail, " %s (%llu%%)",
                     human_pair(cur->pos, cur->size, pos, sizeof pos),
                     (unsigned long long)(cur->pos * 100 / cur->size));
    else
        n = snprintf(tail, sizeof tail, " %s", human(cur->pos, pos, sizeof pos));
    n += snprintf(tail + n, sizeof tail - (size_t)n, ", %zu/%zu done", p->n_done, p->n);
    if (bps > 0)
        n += snprintf(tail + n, sizeof tail - (size_t)n, ", %s/s",
                      human((uint64_t)bps, rate, sizeof rate));
    if (bps > 0 && p->total_known && p->total >= p->read)
        snprintf(tail + n, sizeof tail - (size_t)n, ", %s left",
                 duration((double)(p->total - p->read) / bps, left, sizeof left));
    const char *prefix = "pcapscan: ";
    size_t width = term_width(p->out) - 1; /* the last column would wrap on some terminals */
    size_t fixed = strlen(prefix) + strlen(tail);
    esc_term_buf(p->inputs[p->current].path, shown, sizeof shown);
    fit_name(shown, width > fixed ? width - fixed : 0, name, sizeof name);
    snprintf(line, sizeof line, "%s%s%s", prefix, name, tail);
    if (strlen(line) > width)
        line[width] = '\0';
    fprintf(p->out, "\r%s\033[K", line);
    fflush(p->out);
    p->drawn = true;
    p->last_draw_ns = now;
}

void progress_update(progress *p, size_t i, const scan_progress *sp)
{
    if (!p || i >= p->n)
        return;
    pthread_mutex_lock(&p->lock);
    progress_input *in = &p->in[i];
    if (!in->size && sp->size) /* stdin redirected from a file */
        in->size = sp->size;
    if (sp->pos > in->pos) {
        p->read += sp->pos - in->pos;
        in->pos = sp->pos;
    }
    p->current = i;
    int64_t now = now_ns();
    if (!p->drawn || now - p->last_draw_ns >= REDRAW_NSEC)
        draw(p, now);
    pthread_mutex_unlock(&p->lock);
}

void progress_done(progress *p, size_t i)
{
    if (!p || i >= p->n)
        return;
    pthread_mutex_lock(&p->lock);
    progress_input *in = &p->in[i];
    if (!in->done) {
        in->done = true;
        p->n_done++;
        if (in->size > in->pos) { /* a truncated or unreadable input counts as read */
            p->read += in->size - in->pos;
            in->pos = in->size;
        }
    }
    p->current = i;
    int64_t now = now_ns();
    if (p->n_done == p->n || now - p->last_draw_ns >= REDRAW_NSEC)
        draw(p, now);
    pthread_mutex_unlock(&p->lock);
}

void progress_free(progress *p)
{
    if (!p)
        return;
    if (p->drawn) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
    pthread_mutex_destroy(&p->lock);
    free(p->in);
    free(p);
}
