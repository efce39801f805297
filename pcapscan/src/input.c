/* Capture input: path expansion, pcap/pcapng through libpcap, gzip through zlib, stdin. */
#define _GNU_SOURCE /* fopencookie */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cap/input.h"

const char *cap_input_status_name(cap_input_status s)
{
    switch (s) {
#define CAP_INPUT_NAME(name, text)                                                                 \
    case CAP_INPUT_##name:                                                                         \
        return text;
        CAP_INPUT_STATUS_MAP(CAP_INPUT_NAME)
#undef CAP_INPUT_NAME
    }
    return "?";
}

/* ---- path expansion ---- */

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static int strvec_push(strvec *s, char *str)
{
    if (!str)
        return -1;
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        char **nv = realloc(s->v, nc * sizeof *nv);
        if (!nv) {
            free(str);
            return -1;
        }
        s->v = nv;
        s->cap = nc;
    }
    s->v[s->n++] = str;
    return 0;
}

static void strvec_free(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    *s = (strvec){0};
}

static char *join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    while (a > 1 && dir[a - 1] == '/') /* "dir/" given: no "dir//name" */
        a--;
    char *p = malloc(a + b + 2);
    if (p) {
        memcpy(p, dir, a);
        p[a] = '/';
        memcpy(p + a + 1, name, b + 1);
    }
    return p;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A case folder holds notes, key logs and screenshots next to the captures: only files that
 * start like pcap or pcapng, plain or gzip'd (zlib reads a plain file as is), are captures. */
static bool looks_like_capture(const char *path)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return false;
    unsigned char m[4];
    int got = gzread(gz, m, sizeof m);
    gzclose(gz);
    if (got != (int)sizeof m)
        return false;
    static const unsigned char magics[][4] = {
        {0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, /* pcap, microseconds */
        {0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, /* pcap, nanoseconds */
        {0x0a, 0x0d, 0x0d, 0x0a},                           /* pcapng section header */
    };
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (memcmp(m, magics[i], 4) == 0)
            return true;
    return false;
}

/* Collect the captures under root with an explicit work list (no recursion on tree depth),
 * counting the other regular files in *skipped. Symlinked directories are not followed, so link
 * loops cannot trap us. */
static int collect_dir(const char *root, strvec *files, size_t *skipped)
{
    strvec todo = {0};
    if (strvec_push(&todo, strdup(root)) != 0)
        return -1;
    int rc = 0;
    while (todo.n > 0 && rc == 0) {
        char *dir = todo.v[--todo.n];
        DIR *d = opendir(dir);
        struct dirent *de;
        while (d && rc == 0 && (de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char *child = join_path(dir, de->d_name);
            struct stat st;
            if (!child)
                rc = -1;
            else if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
                rc = strvec_push(&todo, child);
            else if (stat(child, &st) != 0 || !S_ISREG(st.st_mode))
                free(child);
            else if (looks_like_capture(child))
                rc = strvec_push(files, child);
            else {
                (*skipped)++;
                free(child);
            }
        }
        if (d)
            closedir(d);
        free(dir);
    }
    strvec_free(&todo);
    return rc;
}

int cap_paths_expand(const char *const *paths, size_t n, cap_paths *out)
{
    strvec all = {0};
    *out = (cap_paths){0};
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            strvec sub = {0};
            size_t before = sub.n;
            if (collect_dir(paths[i], &sub, &out->skipped) != 0) {
                strvec_free(&sub);
                strvec_free(&all);
                return -1;
            }
            if (sub.n == before && !out->empty_dir)
                out->empty_dir = paths[i];
            if (sub.n)
                qsort(sub.v, sub.n, sizeof *sub.v, cmp_str);
            for (size_t j = 0; j < sub.n; j++) {
                if (strvec_push(&all, sub.v[j]) != 0) {
                    sub.v[j] = NULL;
                    for (size_t k = j + 1; k < sub.n; k++)
                        free(sub.v[k]);
                    free(sub.v);
                    strvec_free(&all);
                    return -1;
                }
            }
            free(sub.v);
        } else if (strvec_push(&all, strdup(paths[i])) != 0) {
            strvec_free(&all);
            return -1;
        }
    }
    out->items = all.v;
    out->count = all.n;
    return 0;
}

void cap_paths_free(cap_paths *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->items[i]);
    free(p->items);
    *p = (cap_paths){0};
}

#define READ_BUFFER_BYTES (256 * 1024)

/* ---- gzip as a FILE* for libpcap ---- */

typedef struct gz_cookie {
    gzFile gz;
    bool failed;    /* zlib reported an error */
    bool truncated; /* ...namely the compressed stream ended early */
    char msg[96];
} gz_cookie;

static ssize_t gz_cookie_read(void *c, char *buf, size_t size)
{
    gz_cookie *gc = c;
    unsigned want = size > INT_MAX ? INT_MAX : (unsigned)size;
    int got = gzread(gc->gz, buf, want);
    if (got >= 0 && (unsigned)got == want)
        return got;
    int zerr = Z_OK;
    const char *text = gzerror(gc->gz, &zerr);
    if (zerr != Z_OK && zerr != Z_STREAM_END) {
        gc->failed = true;
        gc->truncated = zerr == Z_BUF_ERROR; /* zlib: "unexpected end of file" */
        snprintf(gc->msg, sizeof gc->msg, "gzip: %s", text ? text : "error");
        if (got <= 0) {
            errno = EIO;
            return -1;
        }
    }
    return got < 0 ? 0 : got;
}

static int gz_cookie_close(void *c)
{
    gz_cookie *gc = c;
    if (gc->gz)
        gzclose(gc->gz);
    free(gc);
    return 0;
}

struct cap_input {
    pcap_t *pcap;
    gz_cookie *gz;  /* owned by the FILE* while pcap is open */
    char *read_buf; /* the FILE's buffer (glibc ignores a size without one); freed after it */
    const char *name;
    uint64_t frame_no;
    cap_input_status status;
    char msg[PCAP_ERRBUF_SIZE + 100];
    bool done;
    bool live;
    volatile sig_atomic_t stop;
    cap_idle_fn idle;
    void *idle_user;
    uint32_t last_recv, last_drop, last_ifdrop; /* pcap_stats wraps at 2^32: summed by delta */
    cap_input_drops drops;
    uint64_t size; /* the file's size when it is a regular file, else 0 */
    /* A plain classic pcap file is read by fast_next (see there) until its first record that is
     * not plain; libpcap then reads the rest from that record on. */
    bool fast;
    int fast_fd;
    int fast_linktype;
    bool fast_nano; /* nanosecond time stamps, handed out in microseconds as libpcap does */
    uint32_t fast_snaplen;
    uint8_t *fast_buf; /* unread bytes: fast_buf[fast_head..fast_tail), fast_cap in all */
    size_t fast_cap;
    size_t fast_head, fast_tail;
    uint64_t fast_off; /* the file offset of fast_buf[fast_tail] */
};

static FILE *open_gz(gzFile gz, gz_cookie **cookie_out)
{
    gz_cookie *gc = calloc(1, sizeof *gc);
    if (!gc) {
        gzclose(gz);
        return NULL;
    }
    gc->gz = gz;
    gzbuffer(gz, 128 * 1024);
    cookie_io_functions_t io = {.read = gz_cookie_read, .close = gz_cookie_close};
    FILE *fp = fopencookie(gc, "rb", io);
    if (!fp) {
        gz_cookie_close(gc);
        return NULL;
    }
    *cookie_out = gc;
    return fp;
}

/* Opens path as a FILE*; gzip (by magic) goes through zlib. stdin always goes through zlib,
 * whose transparent mode passes uncompressed data through, since stdin cannot be rewound. */
static FILE *open_stream(const char *path, char *read_buf, gz_cookie **gz, char *err, size_t errsz)
{
    *gz = NULL;
    if (strcmp(path, "-") == 0) {
        int fd = dup(STDIN_FILENO);
        gzFile g = fd >= 0 ? gzdopen(fd, "rb") : NULL;
        if (!g) {
            if (fd >= 0)
                close(fd);
            snprintf(err, errsz, "-: cannot read stdin");
            return NULL;
        }
        return open_gz(g, gz);
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return NULL;
    }
    /* libpcap freads each record header and body; with stdio's default 4 KiB buffer that is a
     * read(2) every few packets, which costs more than decoding them. */
    if (read_buf)
        setvbuf(fp, read_buf, _IOFBF, READ_BUFFER_BYTES);
    unsigned char magic[2] = {0, 0};
    size_t got = fread(magic, 1, 2, fp);
    if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        fclose(fp);
        gzFile g = gzopen(path, "rb");
        if (!g) {
            snprintf(err, errsz, "%s: cannot open gzip stream", path);
            return NULL;
        }
        return open_gz(g, gz);
    }
    rewind(fp);
    return fp;
}

/* ---- plain pcap files without libpcap's per-record reads ----
 *
 * libpcap reads each record with two freads into its own buffer (about 470 instructions a record:
 * a third of reading and tracking a capture of small packets). A classic pcap file in this host's
 * byte order, version 2.4, is read here instead: large preads into one buffer, records handed out
 * in place. Only records libpcap would hand out unchanged are taken: a record that is cut short,
 * longer than the snapshot length, or followed by a read error or the end of the file goes back
 * to libpcap, which reads it and everything after it (the file is rewound to that record), so
 * every error, message and end of input is libpcap's own. Byte-swapped files, other versions and
 * USB captures (whose headers libpcap rewrites) are left to libpcap from the start. */

/* The buffer holds two records of the snapshot length, and at least 256 KiB (one read per few
 * hundred packets; small enough to stay in a core's cache between the copy and the decoding). */
enum { FAST_BUF_MIN = 256 * 1024, FAST_SNAP_MAX = 1024 * 1024 };
enum { PCAP_RECORD_HEADER = 16, PCAP_FILE_HEADER = 24 };

static void fast_setup(cap_input *in, FILE *fp)
{
    pcap_t *p = in->pcap;
    int dlt = pcap_datalink(p), fd = fileno(fp);
    uint8_t m[4];
    uint32_t magic;
    if (fd < 0 || pcap_is_swapped(p) || pcap_major_version(p) != 2 || pcap_minor_version(p) != 4 ||
        dlt == DLT_USB_LINUX || dlt == DLT_USB_LINUX_MMAPPED || pcap_snapshot(p) <= 0 ||
        pcap_snapshot(p) > FAST_SNAP_MAX || ftello(fp) != PCAP_FILE_HEADER ||
        pread(fd, m, sizeof m, 0) != (ssize_t)sizeof m)
        return;
    memcpy(&magic, m, sizeof magic);
    if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) /* microseconds, nanoseconds; this order */
        return;
    size_t cap = 2 * ((size_t)pcap_snapshot(p) + PCAP_RECORD_HEADER);
    in->fast_cap = cap < FAST_BUF_MIN ? FAST_BUF_MIN : cap;
    in->fast_buf = malloc(in->fast_cap);
    if (!in->fast_buf)
        return;
    in->fast = true;
    in->fast_fd = fd;
    in->fast_linktype = dlt;
    in->fast_nano = magic == 0xa1b23c4d;
    in->fast_snaplen = (uint32_t)pcap_snapshot(p);
    in->fast_off = PCAP_FILE_HEADER;
}

/* At least need unread bytes in the buffer; false at the end of the file or on a read error. */
static bool fast_fill(cap_input *in, size_t need)
{
    size_t have = in->fast_tail - in->fast_head;
    memmove(in->fast_buf, in->fast_buf + in->fast_head, have);
    in->fast_head = 0;
    in->fast_tail = have;
    while (in->fast_tail < need) {
        ssize_t n = pread(in->fast_fd, in->fast_buf + in->fast_tail, in->fast_cap - in->fast_tail,
                          (off_t)in->fast_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        in->fast_tail += (size_t)n;
        in->fast_off += (uint64_t)n;
    }
    return true;
}

static uint32_t host32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The next record when it is one libpcap would hand out as it is; false: leave it to libpcap. */
static bool fast_next(cap_input *in, const uint8_t **rec)
{
    if (in->fast_tail - in->fast_head < PCAP_RECORD_HEADER && !fast_fill(in, PCAP_RECORD_HEADER))
        return false;
    const uint8_t *hdr = in->fast_buf + in->fast_head;
    uint32_t caplen = host32(hdr + 8);
    if (caplen > in->fast_snaplen)
        return false;
    /* A time stamp with the top bit set is read as signed by libpcap 1.10.3 (Debian 12) and as
     * unsigned (after 2038) by later releases; such records, and sub-second fields out of range,
     * are left to the libpcap pcapscan runs with. */
    uint32_t sec = host32(hdr), frac = host32(hdr + 4);
    if ((sec | frac) >> 31 || frac >= (in->fast_nano ? 1000000000u : 1000000u))
        return false;
    size_t need = PCAP_RECORD_HEADER + (size_t)caplen;
    if (in->fast_tail - in->fast_head < need && !fast_fill(in, need))
        return false;
    *rec = in->fast_buf + in->fast_head;
    in->fast_head += need;
    return true;
}

/* libpcap goes on from the first record fast_next did not take. */
static void fast_hand_over(cap_input *in)
{
    uint64_t at = in->fast_off - (in->fast_tail - in->fast_head);
    in->fast = false;
    free(in->fast_buf);
    in->fast_buf = NULL;
    if (fseeko(pcap_file(in->pcap), (off_t)at, SEEK_SET) != 0) {
        in->done = true;
        in->status = CAP_INPUT_IO;
        snprintf(in->msg, sizeof in->msg, "cannot seek back to byte %llu: %s",
                 (unsigned long long)at, strerror(errno));
    }
}

cap_input *cap_input_open(const char *path, const char *name, char *err, size_t errsz)
{
    cap_input *in = calloc(1, sizeof *in);
    if (!in) {
        snprintf(err, errsz, "%s: out of memory", path);
        return NULL;
    }
    in->name = name ? name : path;
    struct stat st;
    if ((strcmp(path, "-") == 0 ? fstat(STDIN_FILENO, &st) : stat(path, &st)) == 0 &&
        S_ISREG(st.st_mode))
        in->size = (uint64_t)st.st_size;
    in->read_buf = malloc(READ_BUFFER_BYTES); /* NULL: stdio's default buffer */
    FILE *fp = open_stream(path, in->read_buf, &in->gz, err, errsz);
    if (!fp) {
        free(in->read_buf);
        free(in);
        return NULL;
    }
    char pe[PCAP_ERRBUF_SIZE] = "";
    /* libpcap calls a zero-byte file a truncated header; say what the engineer sees instead. */
    int first = getc(fp);
    if (first == EOF)
        snprintf(pe, sizeof pe, "empty file");
    else
        ungetc(first, fp);
    in->pcap = first == EOF
                   ? NULL
                   : pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, pe);
    if (!in->pcap) {
        if (in->gz && in->gz->failed)
            snprintf(err, errsz, "%s: %s", path, in->gz->msg);
        else
            snprintf(err, errsz, "%s: %s", path, pe);
        fclose(fp); /* libpcap leaves the FILE to us on failure */
        free(in->read_buf);
        free(in);
        return NULL;
    }
    if (!in->gz)
        fast_setup(in, fp);
    return in;
}

void cap_input_position(const cap_input *in, uint64_t *done, uint64_t *total)
{
    *total = in->size;
    *done = 0;
    long pos = -1;
    if (in->fast)
        pos = (long)(in->fast_off - (in->fast_tail - in->fast_head));
    else if (in->gz)
        pos = (long)gzoffset(in->gz->gz); /* compressed bytes, as the size counts them */
    else if (in->pcap && !in->live && pcap_file(in->pcap))
        pos = ftell(pcap_file(in->pcap));
    if (pos > 0)
        *done = in->size && (uint64_t)pos > in->size ? in->size : (uint64_t)pos;
}

static void record_end(cap_input *in, int rc)
{
    in->done = true;
    if (rc == PCAP_ERROR_BREAK && !(in->gz && in->gz->failed))
        return;
    const char *pmsg = rc == PCAP_ERROR ? pcap_geterr(in->pcap) : "";
    if (in->gz && in->gz->failed) {
        in->status = in->gz->truncated ? CAP_INPUT_TRUNCATED : CAP_INPUT_IO;
        snprintf(in->msg, sizeof in->msg, "%s (%s)", in->gz->msg, pmsg);
    } else if (strstr(pmsg, "truncated")) {
        in->status = CAP_INPUT_TRUNCATED;
        snprintf(in->msg, sizeof in->msg, "%s", pmsg);
    } else if (strstr(pmsg, "error reading")) {
        in->status = CAP_INPUT_IO;
        snprintf(in->msg, sizeof in->msg, "%s", pmsg);
    } else {
        in->status = CAP_INPUT_CORRUPT;
        snprintf(in->msg, sizeof in->msg, "%s", pmsg);
    }
}

int cap_input_next(cap_input *in, cap_frame *f)
{
    if (in->done)
        return 0;
    if (in->fast) {
        const uint8_t *rec;
        if (fast_next(in, &rec)) {
            /* fast_next took only time stamp fields below 2^31: signed or not, the same. */
            int32_t usec = (int32_t)host32(rec + 4);
            uint32_t caplen = host32(rec + 8), len = host32(rec + 12);
            in->frame_no++;
            f->where.capture = in->name;
            f->where.pkt_no = in->frame_no;
            f->where.ts_sec = (int32_t)host32(rec);
            f->where.ts_usec = in->fast_nano ? usec / 1000 : usec;
            f->linktype = in->fast_linktype;
            f->data = rec + PCAP_RECORD_HEADER;
            f->caplen = caplen;
            f->len = len < caplen ? caplen : len;
            return 1;
        }
        fast_hand_over(in);
        if (in->done)
            return 0;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(in->pcap, &h, &data);
    while (rc == 0 && in->live && !in->stop) { /* the read timeout expired: nothing yet */
        if (in->idle && !in->idle(in->idle_user))
            break;
        rc = pcap_next_ex(in->pcap, &h, &data);
    }
    if (rc == 0) { /* stopped while waiting */
        in->done = true;
        return 0;
    }
    if (rc != 1) {
        record_end(in, rc);
        return 0;
    }
    in->frame_no++;
    f->where.capture = in->name;
    f->where.pkt_no = in->frame_no;
    f->where.ts_sec = (int64_t)h->ts.tv_sec;
    f->where.ts_usec = (int32_t)h->ts.tv_usec;
    f->linktype = pcap_datalink(in->pcap);
    f->data = data;
    f->caplen = h->caplen;
    f->len = h->len < h->caplen ? h->caplen : h->len;
    return 1;
}

cap_input_status cap_input_status_get(const cap_input *in, uint64_t *last_good, const char **msg)
{
    if (last_good)
        *last_good = in->frame_no;
    if (msg)
        *msg = in->msg;
    return in->status;
}

int cap_input_linktype(const cap_input *in)
{
    return pcap_datalink(in->pcap);
}

void cap_input_close(cap_input *in)
{
    if (!in)
        return;
    pcap_close(in->pcap); /* closes the FILE*, and through it the gzip cookie */
    free(in->fast_buf);
    free(in->read_buf);
    free(in);
}

/* ---- live capture ---- */

/* Immediate mode uses a ring of fixed slots sized by the snap length: 65535 (the largest IP
 * packet, TFTP block or offloaded TCP segment) gives 32 MiB about 500 slots, 262144 a quarter. */
enum { LIVE_TIMEOUT_MS = 250, LIVE_BUFFER_BYTES = 32 * 1024 * 1024, LIVE_SNAPLEN = 65535 };

static cap_input *live_fail(cap_input *in, pcap_t *p, const char *what, const char *iface,
                            char *err, size_t errsz)
{
    snprintf(err, errsz, "%s: %s: %s", iface, what, p ? pcap_geterr(p) : "out of memory");
    if (p)
        pcap_close(p);
    free(in);
    return NULL;
}

cap_input *cap_input_open_live(const char *iface, const char *filter, char *err, size_t errsz)
{
    char pe[PCAP_ERRBUF_SIZE] = "";
    cap_input *in = calloc(1, sizeof *in);
    pcap_t *p = in ? pcap_create(iface, pe) : NULL;
    if (!p) {
        snprintf(err, errsz, "%s: %s", iface, in ? pe : "out of memory");
        free(in);
        return NULL;
    }
    /* Immediate mode: a verdict should follow its packet, not wait for a kernel block to fill.
     * Promiscuous: a SPAN port delivers traffic addressed to others. A setter fails only on an
     * already active handle; a failure still says which. */
    const char *bad = pcap_set_snaplen(p, LIVE_SNAPLEN) != 0            ? "snap length"
                      : pcap_set_promisc(p, 1) != 0                     ? "promiscuous mode"
                      : pcap_set_immediate_mode(p, 1) != 0              ? "immediate mode"
                      : pcap_set_timeout(p, LIVE_TIMEOUT_MS) != 0       ? "timeout"
                      : pcap_set_buffer_size(p, LIVE_BUFFER_BYTES) != 0 ? "buffer size"
                                                                        : NULL;
    if (pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO) != 0) {
        /* not supported here: microseconds are libpcap's default anyway */
    }
    if (bad) {
        snprintf(err, errsz, "%s: cannot set the %s", iface, bad);
        pcap_close(p);
        free(in);
        return NULL;
    }
    int rc = pcap_activate(p);
    if (rc < 0)
        return live_fail(in, p, "cannot capture", iface, err, errsz);
    if (filter && *filter) {
        struct bpf_program prog;
        if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0)
            return live_fail(in, p, "bad filter", iface, err, errsz);
        rc = pcap_setfilter(p, &prog);
        pcap_freecode(&prog);
        if (rc != 0)
            return live_fail(in, p, "cannot set the filter", iface, err, errsz);
    }
    in->pcap = p;
    in->name = iface;
    in->live = true;
    return in;
}

/* ---- a file still being written ---- */

typedef struct follow_cookie {
    int fd;
    cap_input *in;
} follow_cookie;

/* Never reports the end of the file while the writer may still add to it: waits instead, so
 * libpcap never sees a record cut short by the writer's pace. */
static ssize_t follow_read(void *c, char *buf, size_t size)
{
    follow_cookie *fc = c;
    for (;;) {
        ssize_t n = read(fc->fd, buf, size);
        if (n > 0)
            return n;
        if (n < 0 && errno != EINTR)
            return -1;
        if (fc->in->stop)
            return 0;
        if (n == 0) {
            if (fc->in->idle && !fc->in->idle(fc->in->idle_user)) {
                fc->in->stop = 1;
                return 0;
            }
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

static int follow_close(void *c)
{
    follow_cookie *fc = c;
    close(fc->fd);
    free(fc);
    return 0;
}

cap_input *cap_input_open_follow(const char *path, const char *name, cap_idle_fn idle, void *user,
                                 char *err, size_t errsz)
{
    cap_input *in = calloc(1, sizeof *in);
    follow_cookie *fc = in ? calloc(1, sizeof *fc) : NULL;
    if (!fc) {
        snprintf(err, errsz, "%s: out of memory", path);
        free(in);
        return NULL;
    }
    fc->in = in;
    in->idle = idle;
    in->idle_user = user;
    fc->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fc->fd < 0) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        free(fc);
        free(in);
        return NULL;
    }
    cookie_io_functions_t io = {.read = follow_read, .close = follow_close};
    FILE *fp = fopencookie(fc, "rb", io);
    if (!fp) {
        snprintf(err, errsz, "%s: out of memory", path);
        follow_close(fc);
        free(in);
        return NULL;
    }
    in->name = name ? name : path;
    char pe[PCAP_ERRBUF_SIZE] = "";
    in->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, pe);
    if (!in->pcap) {
        snprintf(err, errsz, "%s: %s", path, in->stop ? "stopped before the file header" : pe);
        fclose(fp);
        free(in);
        return NULL;
    }
    return in;
}

void cap_input_set_idle(cap_input *in, cap_idle_fn fn, void *user)
{
    in->idle = fn;
    in->idle_user = user;
}

void cap_input_stop(cap_input *in)
{
    in->stop = 1;
    if (in->live && in->pcap)
        pcap_breakloop(in->pcap);
}

int cap_input_stats(cap_input *in, cap_input_drops *out)
{
    struct pcap_stat st;
    if (!in->live || pcap_stats(in->pcap, &st) != 0)
        return -1;
    in->drops.received += (uint32_t)(st.ps_recv - in->last_recv);
    in->drops.dropped += (uint32_t)(st.ps_drop - in->last_drop);
    in->drops.if_dropped += (uint32_t)(st.ps_ifdrop - in->last_ifdrop);
    in->last_recv = st.ps_recv;
    in->last_drop = st.ps_drop;
    in->last_ifdrop = st.ps_ifdrop;
    *out = in->drops;
    return 0;
}
