/* Capture input: expands files/directories to a sorted list, opens pcap/pcapng (optionally gzip'd,
 * detected by magic bytes) or stdin ("-"), and yields frames one by one (pull style).
 * No globals: each cap_input is independent, so several inputs can be read in parallel threads. */
#ifndef CAP_INPUT_H
#define CAP_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap/pkt.h"

/* One captured frame, borrowed from the input until the next cap_input_next() call. */
typedef struct cap_frame {
    cap_where where;     /* capture name, 1-based frame number (as tshark counts), timestamp */
    int linktype;        /* DLT_* value as libpcap reports it (DLT_EN10MB, DLT_LINUX_SLL2, ...) */
    const uint8_t *data; /* caplen bytes */
    uint32_t caplen;     /* bytes present in data */
    uint32_t len;        /* bytes the frame had on the wire; caplen < len means snapped */
} cap_frame;

/* Sorted list of capture paths; directories are expanded recursively (regular files only). */
typedef struct cap_paths {
    char **items;
    size_t count;
    size_t skipped;        /* regular files in the directories that are no capture */
    const char *empty_dir; /* the first directory given that holds no capture, or NULL */
} cap_paths;

/* Expand paths in order: files and "-" are kept as given (a path that cannot be stat'ed is kept
 * too, so opening it reports the error); each directory contributes the captures in it (pcap or
 * pcapng by magic number, plain or gzip'd, recursively) sorted by byte-wise path order, and
 * counts its other files in skipped. Returns 0, or -1 on out of memory. Free with cap_paths_free.
 */
int cap_paths_expand(const char *const *paths, size_t n, cap_paths *out);
void cap_paths_free(cap_paths *p);

#define CAP_INPUT_STATUS_MAP(X)                                                                    \
    X(OK, "ok")               /* still reading, or ended cleanly */                                \
    X(TRUNCATED, "truncated") /* ended mid-record (cut file or gzip stream) */                     \
    X(CORRUPT, "corrupt")     /* a record header made no sense; stopped there */                   \
    X(IO, "read error")       /* read or decompression failure */

typedef enum {
#define CAP_INPUT_ENUM(name, text) CAP_INPUT_##name,
    CAP_INPUT_STATUS_MAP(CAP_INPUT_ENUM)
#undef CAP_INPUT_ENUM
} cap_input_status;

const char *cap_input_status_name(cap_input_status s);

typedef struct cap_input cap_input;

/* Open a capture. name is what findings print (kept by pointer: must outlive the input).
 * path "-" reads stdin. gzip is detected by the 1f 8b magic, never by the file name.
 * On failure returns NULL and writes a one-line reason to err. */
cap_input *cap_input_open(const char *path, const char *name, char *err, size_t errsz);

/* Next frame: 1 = *f filled, 0 = end of input (check cap_input_status for how it ended). */
int cap_input_next(cap_input *in, cap_frame *f);

/* How reading ended. When not OK, last_good is the number of the last frame read completely
 * (0 if none) and msg holds libpcap's text, e.g. "truncated dump file; tried to read ...". */
cap_input_status cap_input_status_get(const cap_input *in, uint64_t *last_good, const char **msg);

/* How far reading has got, for a progress display: *done = bytes of the file consumed so far (for a
 * gzip'd capture, compressed bytes), *total = the file's size (0 when unknown: a pipe, a live
 * capture). Cheap enough to call every few thousand frames. */
void cap_input_position(const cap_input *in, uint64_t *done, uint64_t *total);

/* The link type of the capture (first interface for pcapng). */
int cap_input_linktype(const cap_input *in);

void cap_input_close(cap_input *in);

/* ---- inputs that keep coming (pcapscan --live, --follow) ---- */

/* Called while an input waits for more (about every 100-250 ms), between frames: never while a
 * frame handed out by cap_input_next is in use. Returns false to stop waiting (the input ends). */
typedef bool (*cap_idle_fn)(void *user);

/* A live capture on interface iface: promiscuous, immediate mode (each packet handed over as it
 * arrives, not in kernel batches), full snap length, BPF filter (NULL or "" = everything).
 * Needs CAP_NET_RAW; privileges can be dropped as soon as it returns. NULL with a reason in err. */
cap_input *cap_input_open_live(const char *iface, const char *filter, char *err, size_t errsz);

/* A capture file another process is still writing (tcpdump -w, dumpcap -w): reading waits for
 * more instead of ending, also inside a record, until cap_input_stop. Not gzip. */
cap_input *cap_input_open_follow(const char *path, const char *name, cap_idle_fn idle, void *user,
                                 char *err, size_t errsz);

void cap_input_set_idle(cap_input *in, cap_idle_fn fn, void *user);

/* Ask a live or followed input to end: cap_input_next returns 0 soon after (what was already
 * received is handed out first for a followed file). Async-signal-safe. */
void cap_input_stop(cap_input *in);

/* Kernel counters of a live capture (pcap_stats): packets received by the filter, dropped for lack
 * of buffer space, dropped by the interface. -1 when the input is not live or they are unknown. */
typedef struct cap_input_drops {
    uint64_t received, dropped, if_dropped;
} cap_input_drops;
int cap_input_stats(cap_input *in, cap_input_drops *out);

#endif
