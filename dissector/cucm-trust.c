/* One trust engine per capture (see cucm-trust.h). The engine is created on the first event of a
 * capture and freed when the capture is closed; it borrows every parsed file, so those live in
 * file scope (their arrays are freed at cleanup). */
#include "cucm-trust.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <epan/range.h>
#include <epan/to_str.h>

#include "cucm-cache.h"
#include "cucm-tftp.h"
#include "cucm-tree.h"
#include "sbd/hash.h"
#include "sbd/tftp.h"

typedef struct tftp_xfer {
    guint32 frame; /* the read request */
    gint64 ts_usec;
    cucm_owner owner;
    char *name, *client, *server;
    gboolean done;
    /* HTTP: the server sent data; both: the time of its latest packet. */
    gboolean data;
    gint64 last_sent_usec;
    /* Facts of an unfinished transfer, as pcapscan's TFTP tracker counts them (sbd/tftp.h for
     * the options and block numbers past 65535): blocks placed (absolute numbers), the highest,
     * the short one, the furthest byte. */
    gboolean http, heard, oack;
    sbd_tftp_opts opts;
    sbd_tftp_wrap wrap;
    wmem_map_t *have;
    guint64 highest, last, bytes, blocks;
    /* The bytes of a trust or signed file's blocks, for a file Wireshark's reassembly never hands
     * over although every block came (its TFTP does not follow numbers that roll over to 1). */
    gboolean keep;
    guint8 *buf;
    gsize buf_cap;
    gboolean body_known; /* HTTP: body_start is the TCP sequence number of the body's first byte */
    guint32 body_start;
} tftp_xfer;

static sbd_trust *engine;
static gboolean settled;
static wmem_map_t *by_frame; /* frame -> wmem_array_t of cucm_decision * */
static wmem_map_t *contents; /* file bytes -> content (cucm_blob_map) */
static GPtrArray *files;     /* the sbd_file structs, freed at cleanup */
static wmem_list_t *xfers;   /* TFTP read requests, for the ones never finished */
/* Request frame -> the frame that delivered its file. A file event is at its request (the packet
 * that names the file, which pcapscan names too); its decisions are shown at the delivery too. */
static wmem_map_t *delivered;
static wmem_map_t *findings; /* sbd_trust_finding_id -> the event frame of its first decision */
static guint32 last_file_frame;
static guint32 capture_last_frame; /* the capture's last packet of the first pass */
static gint64 capture_end_usec;    /* the latest packet time of the first pass */
static int proto_end_watch = -1;
/* While an event is fed: its frame and protocol, where the decisions it causes are shown. */
static gboolean feeding;
static guint32 feed_frame;
static cucm_owner feed_owner;
static range_t *tvs_ports;
static cucm_trust_ids *ids_of[CUCM_OWNER_COUNT];

/* ---- registration ---- */

/* Rule severity -> expert severity; summary = the rule's constant title. */
#define CUCM_PI_INFO PI_NOTE
#define CUCM_PI_WARNING PI_WARN
#define CUCM_PI_ERROR PI_ERROR
#define CUCM_RULE_EI(id, sev, title, text, remedy)                                                 \
    {NULL, {NULL, PI_SECURITY, CUCM_PI_##sev, title, EXPFILL}},

static const ei_register_info rule_ei_template[SBD_RULE_COUNT] = {SBD_RULE_MAP(CUCM_RULE_EI)};

static const char *field_name(const char *prefix, const char *suffix)
{
    /* Registered names live as long as the program. */
    return g_strdup_printf("%s.%s", prefix, suffix);
}

static void register_fields(cucm_trust_ids *t, const char *p)
{
    hf_register_info rows[] = {
        {&t->trust,
         {"Trust decision", field_name(p, "trust"), FT_NONE, BASE_NONE, NULL, 0,
          "A decision of the trust engine (sbd/trust.h) about this frame", HFILL}},
        {&t->outcome,
         {"Outcome", field_name(p, "trust.outcome"), FT_STRING, BASE_NONE, NULL, 0,
          "accepted_direct, pending_tvs, refused, valid, signer_unknown, in_list, not_in_list ...",
          HFILL}},
        {&t->outcome_text,
         {"Meaning", field_name(p, "trust.meaning"), FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&t->rule,
         {"Rule", field_name(p, "trust.rule"), FT_STRING, BASE_NONE, NULL, 0,
          "Audit rule of the decision (captures/expected, pcapscan findings)", HFILL}},
        {&t->severity,
         {"Severity", field_name(p, "trust.severity"), FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&t->reason,
         {"Reason", field_name(p, "trust.reason"), FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&t->phone,
         {"Phone", field_name(p, "trust.phone"), FT_STRING, BASE_NONE, NULL, 0,
          "MAC (SEP...) or client address", HFILL}},
        {&t->file,
         {"File", field_name(p, "trust.file"), FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&t->held_frame,
         {"Judged against the list of frame", field_name(p, "trust.held_frame"), FT_FRAMENUM,
          BASE_NONE, NULL, 0, "The frame that delivered the list the phone holds", HFILL}},
        {&t->held_name,
         {"Held list", field_name(p, "trust.held_list"), FT_STRING, BASE_NONE, NULL, 0, NULL,
          HFILL}},
        {&t->record,
         {"Deciding record", field_name(p, "trust.record"), FT_UINT32, BASE_DEC, NULL, 0,
          "1-based record of the held list", HFILL}},
        {&t->cause_frame,
         {"Settled by frame", field_name(p, "trust.cause_frame"), FT_FRAMENUM, BASE_NONE, NULL, 0,
          "The later event that decided it (the TVS session of a pending ITL)", HFILL}},
        {&t->event_frame,
         {"Decides the event of frame", field_name(p, "trust.event_frame"), FT_FRAMENUM, BASE_NONE,
          NULL, 0, NULL, HFILL}},
    };
    hf_register_info *keep = (hf_register_info *)g_memdup2(rows, sizeof(rows));
    proto_register_field_array(t->proto, keep, array_length(rows));
}

void cucm_trust_register(cucm_trust_ids *t, int proto, const char *prefix, cucm_owner owner)
{
    memset(t, 0xff, sizeof(*t)); /* ints -1, expert fields EI_INIT */
    t->proto = proto;
    ids_of[owner] = t;
    register_fields(t, prefix);
    gint *ett[] = {&t->ett};
    proto_register_subtree_array(ett, 1);
    ei_register_info *ei = g_new(ei_register_info, SBD_RULE_COUNT);
    for (int r = 0; r < SBD_RULE_COUNT; r++) {
        ei[r] = rule_ei_template[r];
        ei[r].ids = &t->ei[r];
        char *lower = g_ascii_strdown(sbd_rule_id((sbd_rule)r), -1);
        ei[r].eiinfo.name = g_strdup_printf("%s.rule.%s", prefix, lower);
        g_free(lower);
    }
    expert_register_field_array(expert_register_protocol(proto), ei, SBD_RULE_COUNT);
}

static void trust_init(void)
{
    engine = NULL;
    settled = FALSE;
    by_frame = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
    contents = cucm_blob_map_new();
    files = g_ptr_array_new();
    xfers = wmem_list_new(wmem_file_scope());
    delivered = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
    findings = wmem_map_new(wmem_file_scope(), g_str_hash, g_str_equal);
    last_file_frame = 0;
    capture_end_usec = G_MININT64;
    capture_last_frame = 0;
    feeding = FALSE;
}

static void trust_cleanup(void)
{
    sbd_trust_free(engine);
    engine = NULL;
    for (guint i = 0; files && i < files->len; i++) {
        sbd_file *f = (sbd_file *)g_ptr_array_index(files, i);
        sbd_file_free(f);
        g_free(f);
    }
    if (files)
        g_ptr_array_free(files, TRUE);
    files = NULL;
    by_frame = contents = NULL; /* their memory went with the file scope */
    xfers = NULL;
    delivered = NULL;
    findings = NULL;
}

void cucm_trust_register_routines(void)
{
    register_init_routine(trust_init);
    register_cleanup_routine(trust_cleanup);
}

/* ---- decisions ---- */

static void attach(guint32 frame, cucm_owner owner, const cucm_decision *d)
{
    if (!frame)
        return;
    wmem_array_t *a = (wmem_array_t *)wmem_map_lookup(by_frame, GUINT_TO_POINTER(frame));
    if (!a) {
        a = wmem_array_new(wmem_file_scope(), sizeof(cucm_decision *));
        wmem_map_insert(by_frame, GUINT_TO_POINTER(frame), a);
    }
    cucm_decision *c = (cucm_decision *)wmem_memdup(wmem_file_scope(), d, sizeof(*d));
    c->owner = owner;
    wmem_array_append_one(a, c);
}

static cucm_owner owner_of(void *user)
{
    guint v = GPOINTER_TO_UINT(user);
    return v >= 1 && v <= CUCM_OWNER_COUNT ? (cucm_owner)(v - 1) : CUCM_OWNER_TL;
}

static guint32 delivery_of(guint32 request)
{
    return delivered ? GPOINTER_TO_UINT(wmem_map_lookup(delivered, GUINT_TO_POINTER(request))) : 0;
}

static const char *keep_str(const char *s)
{
    return s ? wmem_strdup(wmem_file_scope(), s) : NULL;
}

/* The frame where the finding of d was first reported when d repeats it (pcapscan counts it once
 * by the same identity), else 0 and d is noted as the first. */
static guint32 repeat_of(const sbd_trust_decision *d)
{
    if (d->rule == SBD_RULE_COUNT || !findings)
        return 0;
    char id[700];
    sbd_trust_finding_id(d->rule, d->at.input, d->phone, d->key, id, sizeof(id));
    gpointer first = wmem_map_lookup(findings, id);
    if (first)
        return GPOINTER_TO_UINT(first);
    wmem_map_insert(findings, wmem_strdup(wmem_file_scope(), id),
                    GUINT_TO_POINTER((guint)MAX(d->at.packet, 1)));
    return 0;
}

/* The sink: while an event is fed, its decisions are shown at its frame (also those that settle an
 * earlier event, which is shown there too, as pcapscan names both packets); at the end of the
 * first pass, at the frames of the events they decide and settle. */
static void on_decision(void *ctx _U_, const sbd_trust_decision *d)
{
    cucm_decision x;
    memset(&x, 0, sizeof(x));
    x.outcome = d->outcome;
    x.rule = d->rule;
    x.sig = d->sig;
    x.service = d->service;
    x.event_frame = (guint32)d->at.packet;
    x.file_frame = delivery_of(x.event_frame);
    /* The held list's delivery, where its records are shown (its request when none). */
    x.held_frame = d->held.set ? (guint32)d->held.at.packet : 0;
    if (delivery_of(x.held_frame))
        x.held_frame = delivery_of(x.held_frame);
    x.held_is_ctl = d->held.is_ctl;
    x.held_name = d->held.set ? keep_str(d->held.name) : NULL;
    x.cause_frame = d->has_cause ? (guint32)d->cause.packet : 0;
    x.record = d->record == SBD_TRUST_NO_RECORD ? 0 : (guint32)d->record + 1;
    x.phone = keep_str(d->phone);
    x.file = keep_str(d->file);
    x.reason = keep_str(d->reason); /* as the engine wrote it: pcapscan prints the same words */
    x.repeat_of = repeat_of(d);
    guint32 shown = 0;
    if (feeding) {
        attach(feed_frame, feed_owner, &x);
        shown = feed_frame;
    }
    if (x.event_frame != shown)
        attach(x.event_frame, owner_of(d->at.user), &x);
    if (x.file_frame && x.file_frame != shown && x.file_frame != x.event_frame)
        attach(x.file_frame, owner_of(d->at.user), &x);
    if (d->has_cause && x.cause_frame != shown && x.cause_frame != x.event_frame)
        attach(x.cause_frame, owner_of(d->cause.user), &x);
}

static sbd_trust *get_engine(void)
{
    if (!engine && by_frame && cucm_pref_verify) {
        sbd_trust_opts o;
        memset(&o, 0, sizeof(o));
        o.expiry_warn_days = (int)cucm_pref_expiry_days;
        o.keys = cucm_key_cache();
        engine = sbd_trust_new(&o, on_decision, NULL);
    }
    return engine;
}

static gint64 ts_usec(const packet_info *pinfo)
{
    return (gint64)pinfo->abs_ts.secs * 1000000 + pinfo->abs_ts.nsecs / 1000;
}

static sbd_trust_at at_here(const packet_info *pinfo, cucm_owner owner)
{
    sbd_trust_at at = {0, pinfo->num, ts_usec(pinfo), GUINT_TO_POINTER((guint)owner + 1)};
    return at;
}

/* A file event is at its request (packet and time, as pcapscan places it); this frame, which
 * answers it, is noted as its delivery. */
static sbd_trust_at at_request(const packet_info *pinfo, const tftp_xfer *x, cucm_owner owner)
{
    if (!x)
        return at_here(pinfo, owner);
    if (delivered && x->frame != pinfo->num)
        wmem_map_insert(delivered, GUINT_TO_POINTER(x->frame), GUINT_TO_POINTER(pinfo->num));
    sbd_trust_at at = {0, x->frame, x->ts_usec, GUINT_TO_POINTER((guint)owner + 1)};
    return at;
}

/* pcapscan's form (cap_addr_str): inet_ntop text, no brackets or port. */
static const char *addr_text(packet_info *pinfo, const address *a)
{
    char buf[INET6_ADDRSTRLEN];
    if (a->type == AT_IPv4 && a->len == 4 && inet_ntop(AF_INET, a->data, buf, sizeof(buf)))
        return wmem_strdup(pinfo->pool, buf);
    if (a->type == AT_IPv6 && a->len == 16 && inet_ntop(AF_INET6, a->data, buf, sizeof(buf)))
        return wmem_strdup(pinfo->pool, buf);
    return address_to_str(pinfo->pool, a);
}

static void begin_feed(const packet_info *pinfo, cucm_owner owner)
{
    feeding = TRUE;
    feed_frame = pinfo->num;
    feed_owner = owner;
}

/* An unfinished transfer that had data but not its end, judged by the engine's rule. */
static gboolean cut_by_capture_end(const tftp_xfer *x)
{
    /* TFTP: a block placed, the short last one not (pcapscan's blocks and last_block). */
    gboolean going = x->http ? x->data : x->highest && !x->last;
    return going && capture_end_usec != G_MININT64 &&
           sbd_trust_cut_by_capture_end(capture_end_usec, x->last_sent_usec,
                                        x->http ? 0 : x->opts.timeout);
}

/* pcapscan's limit on a transfer's size (its --max-file default): blocks past it are not
 * expected. */
#define XFER_MAX_BYTES (64u << 20)

static gboolean have_block(const tftp_xfer *x, guint64 n)
{
    return x->have && wmem_map_contains(x->have, GSIZE_TO_POINTER((gsize)n));
}

/* Blocks never seen, written as pcapscan writes them ("3-5,9", ",..." past 32 ranges, "; last
 * block never seen" when the end is unknown); NULL when none. */
static const char *missing_text(const tftp_xfer *x)
{
    bool tail;
    guint64 upto = sbd_tftp_missing_upto(x->last, x->highest, x->opts.tsize, x->opts.blksize,
                                         XFER_MAX_BYTES, &tail);
    sbd_tftp_run runs[SBD_TFTP_MISSING_RUNS];
    size_t n = 0;
    bool more = false;
    guint64 run = 0;
    for (guint64 b = 1; b <= upto + 1; b++) {
        gboolean present = b > upto || have_block(x, b);
        if (!present && !run)
            run = b;
        else if (present && run) {
            if (n < SBD_TFTP_MISSING_RUNS)
                runs[n++] = (sbd_tftp_run){run, b - 1};
            else
                more = true;
            run = 0;
        }
    }
    char text[1024];
    sbd_tftp_missing_text(runs, n, more, tail, text, sizeof(text));
    return text[0] ? wmem_strdup(wmem_file_scope(), text) : NULL;
}

void cucm_trust_tftp_oack(void *xfer, const guint8 *opts, size_t n)
{
    tftp_xfer *x = (tftp_xfer *)xfer;
    if (!x || x->done)
        return;
    x->oack = TRUE;
    sbd_tftp_apply_oack(&x->opts, opts, n, x->highest > 0);
}

void cucm_trust_tftp_ack(void *xfer, guint16 block)
{
    tftp_xfer *x = (tftp_xfer *)xfer;
    if (x && !x->done)
        sbd_tftp_ack(&x->wrap, x->highest, block);
}

static void feed_whole(packet_info *pinfo, void *xfer, const char *name, const guint8 *buf,
                       size_t len);

/* Block bytes at off of a kept transfer; the buffer doubles up to the 64 MiB limit, its new part
 * zeroed (a gap reads as zeros, as in pcapscan's partial file). */
static void keep_bytes(tftp_xfer *x, guint64 off, const guint8 *data, guint32 len)
{
    if (!x->keep || !len)
        return;
    if (off + len > x->buf_cap) {
        gsize cap = x->buf_cap ? x->buf_cap : 4096;
        while (cap < off + len)
            cap *= 2;
        cap = MIN(cap, (gsize)XFER_MAX_BYTES);
        x->buf = (guint8 *)wmem_realloc(wmem_file_scope(), x->buf, cap);
        memset(x->buf + x->buf_cap, 0, cap - x->buf_cap);
        x->buf_cap = cap;
    }
    memcpy(x->buf + off, data, len);
}

void cucm_trust_tftp_block(packet_info *pinfo, void *xfer, guint16 block, const guint8 *data,
                           guint32 len)
{
    tftp_xfer *x = (tftp_xfer *)xfer;
    if (!x || x->done)
        return;
    guint64 n = sbd_tftp_admit_block(&x->wrap, &x->opts.blksize, !x->oack && !x->highest,
                                     x->highest, x->last, block, len);
    guint32 bs = x->opts.blksize;
    if (n == 0 || have_block(x, n) || (n - 1) * bs + len > XFER_MAX_BYTES)
        return;
    if (!x->have)
        x->have = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
    wmem_map_insert(x->have, GSIZE_TO_POINTER((gsize)n), GUINT_TO_POINTER(1));
    keep_bytes(x, (n - 1) * bs, data, len);
    x->blocks++;
    x->highest = MAX(x->highest, n);
    x->bytes = MAX(x->bytes, (n - 1) * bs + len);
    if (len < bs)
        x->last = n;
    /* Every block came and the file did not (Wireshark hands it over in this frame before this
     * runs, which marks the transfer done): complete, as pcapscan sees it. */
    if (x->last && x->blocks == x->last && get_engine())
        feed_whole(pinfo, x, x->name, x->keep ? x->buf : NULL, (size_t)x->bytes);
}

void cucm_trust_xfer_body(void *xfer, guint32 start, guint32 end)
{
    tftp_xfer *x = (tftp_xfer *)xfer;
    if (!x || x->done)
        return;
    if (start && !x->body_known) {
        x->body_known = TRUE;
        x->body_start = start;
    }
    /* Sequence numbers wrap: the distance from the start, the furthest kept. */
    if (x->body_known && end - x->body_start < G_MAXINT32 && end - x->body_start > x->bytes)
        x->bytes = end - x->body_start;
}

/* The end of the first pass: the first frame dissected again. Transfers that never finished are
 * told now, then the lists still waiting for a TVS session are settled. */
static void settle(const packet_info *pinfo)
{
    if (!PINFO_FD_VISITED(pinfo) || settled || !engine)
        return;
    settled = TRUE;
    for (wmem_list_frame_t *f = wmem_list_head(xfers); f; f = wmem_list_frame_next(f)) {
        const tftp_xfer *x = (const tftp_xfer *)wmem_list_frame_data(f);
        if (x->done)
            continue;
        sbd_trust_file_ev ev;
        memset(&ev, 0, sizeof(ev));
        ev.at = (sbd_trust_at){0, x->frame, x->ts_usec, GUINT_TO_POINTER((guint)x->owner + 1)};
        ev.client = x->client;
        ev.server = x->server;
        ev.name = x->name;
        ev.xfer = SBD_XFER_FAILED;
        ev.cut_by_capture_end = cut_by_capture_end(x);
        ev.proto = x->http ? "HTTP" : "TFTP";
        ev.failure = x->heard || x->data ? "incomplete" : "no_response";
        /* HTTP: known when the answer's head ended in its first segment. */
        ev.has_bytes = !x->http || x->body_known;
        ev.bytes = x->bytes;
        ev.missing = x->http ? NULL : missing_text(x);
        ev.last_packet = capture_last_frame;
        sbd_trust_file(engine, &ev);
    }
    sbd_trust_finish(engine);
}

const cucm_decision *const *cucm_trust_decisions(packet_info *pinfo, cucm_owner owner, guint *n)
{
    *n = 0;
    if (!by_frame)
        return NULL;
    settle(pinfo);
    wmem_array_t *a = (wmem_array_t *)wmem_map_lookup(by_frame, GUINT_TO_POINTER(pinfo->num));
    if (!a)
        return NULL;
    guint total = wmem_array_get_count(a), k = 0;
    const cucm_decision **out = wmem_alloc_array(pinfo->pool, const cucm_decision *, total);
    for (guint i = 0; i < total; i++) {
        const cucm_decision *d = *(const cucm_decision **)wmem_array_index(a, i);
        if (d->owner == owner)
            out[k++] = d;
    }
    *n = k;
    return k ? out : NULL;
}

/* ---- contents ---- */

/* What the engine is told about a file's bytes, worked out once per distinct content: a reset
 * capture repeats the same few files in every phone's transfers (r30: 98 contents in 3,129
 * files), and digesting each transfer cost more than TFTP's own dissection of it. */
typedef struct content {
    guint8 sha[32];
    const sbd_file *f; /* NULL: does not parse, or no digest */
} content;

static const content *content_of(const guint8 *buf, size_t len)
{
    gboolean found;
    content *c = (content *)cucm_blob_lookup(contents, buf, len, &found);
    if (found)
        return c;
    c = wmem_new0(wmem_file_scope(), content);
    guint8 md5[16];
    gboolean hashed = sbd_md5_sha256(buf, len, md5, c->sha);
    const guint8 *copy = cucm_blob_insert(contents, buf, len, c); /* the parse borrows it */
    sbd_file *f = g_new0(sbd_file, 1);
    sbd_error err;
    if (!hashed || sbd_file_parse(copy, len, SBD_KIND_AUTO, f, &err) != SBD_OK) {
        g_free(f);
        return c;
    }
    g_ptr_array_add(files, f);
    c->f = f;
    return c;
}

static cucm_owner owner_of_name(const char *name, const sbd_file *f)
{
    char mac[16];
    if (f)
        return f->kind == SBD_KIND_TRUST_LIST ? CUCM_OWNER_TL : CUCM_OWNER_SGN;
    switch (sbd_audit_classify_name(name ? name : "", mac)) {
    case SBD_NAME_CTL_PER_PHONE:
    case SBD_NAME_ITL_PER_PHONE:
    case SBD_NAME_CTL_FILE:
    case SBD_NAME_ITL_FILE:
        return CUCM_OWNER_TL;
    default:
        return name && g_str_has_suffix(name, ".tlv") ? CUCM_OWNER_TL : CUCM_OWNER_SGN;
    }
}

/* ---- feeding ---- */

/* A whole file of transfer xfer (NULL: one the request watch did not see) delivered in this frame
 * (server -> client). */
static void feed_whole(packet_info *pinfo, void *xfer, const char *name, const guint8 *buf,
                       size_t len)
{
    last_file_frame = pinfo->num;
    cucm_trust_tftp_done(xfer);
    gboolean looks = buf && sbd_file_looks_signed(buf, len);
    const content *c = looks ? content_of(buf, len) : NULL;
    const sbd_file *f = c ? c->f : NULL;
    cucm_owner owner = owner_of_name(name, f);
    sbd_trust_file_ev ev;
    memset(&ev, 0, sizeof(ev));
    ev.at = at_request(pinfo, (const tftp_xfer *)xfer, owner);
    ev.client = addr_text(pinfo, &pinfo->dst); /* the data goes server -> client */
    ev.server = addr_text(pinfo, &pinfo->src);
    ev.name = name;
    ev.xfer = SBD_XFER_COMPLETE;
    ev.file = f;
    ev.sha256 = f ? c->sha : NULL;
    ev.signed_content = looks;
    begin_feed(pinfo, owner);
    sbd_trust_file(engine, &ev);
    feeding = FALSE;
}

void cucm_trust_file_done(packet_info *pinfo, const char *name, const guint8 *buf, size_t len)
{
    /* Both file heuristics see every file: the first one feeds it. Only files the phone read
     * (a watched read request): an upload changes nothing the phone holds. */
    if (PINFO_FD_VISITED(pinfo) || !name || last_file_frame == pinfo->num || !get_engine())
        return;
    void *xfer = cucm_tftp_xfer_of(pinfo);
    if (!xfer)
        return;
    feed_whole(pinfo, xfer, name, buf, len);
}

void cucm_trust_xfer_file(packet_info *pinfo, void *xfer, const guint8 *buf, size_t len)
{
    tftp_xfer *x = (tftp_xfer *)xfer;
    if (PINFO_FD_VISITED(pinfo) || !x || x->done || !get_engine())
        return;
    feed_whole(pinfo, xfer, x->name, buf, len);
}

void *cucm_trust_xfer_request(packet_info *pinfo, const char *name)
{
    if (PINFO_FD_VISITED(pinfo) || !name || !get_engine())
        return NULL;
    tftp_xfer *x = wmem_new0(wmem_file_scope(), tftp_xfer);
    x->frame = pinfo->num;
    x->ts_usec = ts_usec(pinfo);
    x->owner = owner_of_name(name, NULL);
    x->name = wmem_strdup(wmem_file_scope(), name);
    x->client = wmem_strdup(wmem_file_scope(), addr_text(pinfo, &pinfo->src));
    x->server = wmem_strdup(wmem_file_scope(), addr_text(pinfo, &pinfo->dst));
    x->http = TRUE; /* cucm_trust_tftp_request says otherwise */
    wmem_list_append(xfers, x);
    /* A live reader learns the phone's MAC from its requests, as they come. */
    char mac[16];
    if (sbd_audit_classify_name(name, mac) != SBD_NAME_OTHER && mac[0])
        sbd_trust_bind_client(engine, x->client, mac);
    return x;
}

void *cucm_trust_tftp_request(packet_info *pinfo, const char *name)
{
    tftp_xfer *x = (tftp_xfer *)cucm_trust_xfer_request(pinfo, name);
    if (x) {
        char mac[16];
        x->http = FALSE;
        sbd_tftp_opts_init(&x->opts);
        x->keep = sbd_audit_name_is_trust_or_signed(sbd_audit_classify_name(name, mac));
    }
    return x;
}

const char *cucm_trust_xfer_name(const void *xfer)
{
    return xfer ? ((const tftp_xfer *)xfer)->name : NULL;
}

void cucm_trust_xfer_error(packet_info *pinfo, void *xfer, gboolean not_found)
{
    tftp_xfer *x = (tftp_xfer *)xfer;
    if (PINFO_FD_VISITED(pinfo) || !x || x->done || !get_engine())
        return;
    x->done = TRUE;
    sbd_trust_file_ev ev;
    memset(&ev, 0, sizeof(ev));
    ev.at = at_request(pinfo, x, x->owner);
    ev.client = x->client;
    ev.server = x->server;
    ev.name = x->name;
    ev.xfer = not_found ? SBD_XFER_NOT_FOUND : SBD_XFER_OTHER;
    begin_feed(pinfo, x->owner);
    sbd_trust_file(engine, &ev);
    feeding = FALSE;
}

void cucm_trust_tftp_error(packet_info *pinfo, void *xfer, guint16 code)
{
    cucm_trust_xfer_error(pinfo, xfer, code == 1);
}

void cucm_trust_tftp_sent(packet_info *pinfo, void *xfer)
{
    tftp_xfer *x = (tftp_xfer *)xfer;
    if (PINFO_FD_VISITED(pinfo) || !x || x->done)
        return;
    x->heard = TRUE;
    x->last_sent_usec = ts_usec(pinfo);
}

void cucm_trust_xfer_sent(packet_info *pinfo, void *xfer)
{
    tftp_xfer *x = (tftp_xfer *)xfer;
    if (PINFO_FD_VISITED(pinfo) || !x || x->done)
        return;
    x->data = TRUE;
    cucm_trust_tftp_sent(pinfo, xfer);
}

/* Every packet passes here (a postdissector in name only: no layer, no tree), for the time of the
 * capture's last packet. */
static int dissect_end_watch(tvbuff_t *tvb _U_, packet_info *pinfo, proto_tree *tree _U_,
                             void *data _U_)
{
    if (!PINFO_FD_VISITED(pinfo) && ts_usec(pinfo) > capture_end_usec)
        capture_end_usec = ts_usec(pinfo);
    if (!PINFO_FD_VISITED(pinfo) && pinfo->num > capture_last_frame)
        capture_last_frame = pinfo->num;
    return 0;
}

void cucm_trust_register_end_watch(int parent)
{
    proto_end_watch = proto_register_protocol_in_name_only("CUCM capture end watch", "CUCM-END",
                                                           "cucmtl.end_watch", parent, FT_PROTOCOL);
}

void cucm_trust_end_watch(void)
{
    if (proto_end_watch >= 0)
        register_postdissector(create_dissector_handle(dissect_end_watch, proto_end_watch));
}

void cucm_trust_tftp_done(void *xfer)
{
    if (xfer)
        ((tftp_xfer *)xfer)->done = TRUE;
}

void cucm_trust_tls(packet_info *pinfo, guint16 port, sbd_service svc,
                    const sbd_cert_info *const *chain, size_t n, gboolean hidden)
{
    if (PINFO_FD_VISITED(pinfo) || svc == SBD_SVC_NONE || !get_engine())
        return;
    sbd_trust_tls_ev ev;
    memset(&ev, 0, sizeof(ev));
    ev.at = at_here(pinfo, CUCM_OWNER_TVS);
    ev.client = addr_text(pinfo, &pinfo->dst); /* the certificate goes server -> client */
    ev.server = addr_text(pinfo, &pinfo->src);
    ev.port = port;
    ev.service = svc;
    ev.hidden = hidden;
    ev.chain = chain;
    ev.n_chain = n;
    begin_feed(pinfo, CUCM_OWNER_TVS);
    sbd_trust_tls(engine, &ev);
    feeding = FALSE;
}

/* ---- showing ---- */

static sbd_rule worse(sbd_rule a, sbd_rule b)
{
    if (a == SBD_RULE_COUNT)
        return b;
    if (b == SBD_RULE_COUNT)
        return a;
    return sbd_rule_severity(b) > sbd_rule_severity(a) ? b : a;
}

static void add_string(proto_tree *t, int hf, tvbuff_t *tvb, const char *s)
{
    if (s)
        proto_item_set_generated(proto_tree_add_string(t, hf, tvb, 0, 0, s));
}

static void add_frame(proto_tree *t, int hf, tvbuff_t *tvb, guint32 frame, const char *what)
{
    if (!frame)
        return;
    proto_item *it = proto_tree_add_uint(t, hf, tvb, 0, 0, frame);
    if (what)
        proto_item_append_text(it, " (%s)", what);
    proto_item_set_generated(it);
}

static void show_one(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const cucm_trust_ids *ids,
                     const cucm_decision *d)
{
    proto_item *ti = proto_tree_add_item(tree, ids->trust, tvb, 0, 0, ENC_NA);
    proto_item_append_text(ti, ": %s%s%s", sbd_trust_outcome_word(d->outcome),
                           d->rule != SBD_RULE_COUNT ? ", " : "",
                           d->rule != SBD_RULE_COUNT ? sbd_rule_id(d->rule) : "");
    if (d->repeat_of)
        proto_item_append_text(ti, " (repeats the finding of frame %u)", d->repeat_of);
    proto_item_set_generated(ti);
    proto_tree *t = proto_item_add_subtree(ti, ids->ett);
    add_string(t, ids->outcome, tvb, sbd_trust_outcome_word(d->outcome));
    add_string(t, ids->outcome_text, tvb, sbd_trust_outcome_text(d->outcome));
    if (d->rule != SBD_RULE_COUNT) {
        add_string(t, ids->rule, tvb, sbd_rule_id(d->rule));
        add_string(t, ids->severity, tvb, sbd_severity_name(sbd_rule_severity(d->rule)));
    }
    proto_item *reason = proto_tree_add_string(t, ids->reason, tvb, 0, 0, d->reason);
    proto_item_set_generated(reason);
    add_string(t, ids->phone, tvb, d->phone);
    add_string(t, ids->file, tvb, d->file);
    add_frame(t, ids->held_frame, tvb, d->held_frame, d->held_is_ctl ? "CTL" : "ITL");
    add_string(t, ids->held_name, tvb, d->held_name);
    if (d->record)
        proto_item_set_generated(proto_tree_add_uint(t, ids->record, tvb, 0, 0, d->record));
    if (d->event_frame != pinfo->num)
        add_frame(t, ids->event_frame, tvb, d->event_frame, d->file);
    if (d->cause_frame != pinfo->num)
        add_frame(t, ids->cause_frame, tvb, d->cause_frame, NULL);
    /* The summary is the rule's constant title (so -z expert groups by rule); the reason is the
     * text of the item it sits on. */
    if (d->rule != SBD_RULE_COUNT && !d->repeat_of)
        expert_add_info(pinfo, reason, (expert_field *)&ids->ei[d->rule]);
}

sbd_rule cucm_trust_show(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                         const cucm_trust_ids *ids, cucm_owner owner)
{
    guint n;
    const cucm_decision *const *d = cucm_trust_decisions(pinfo, owner, &n);
    sbd_rule worst = SBD_RULE_COUNT;
    for (guint i = 0; i < n; i++) {
        show_one(tree, tvb, pinfo, ids, d[i]);
        worst = worse(worst, d[i]->rule);
    }
    return worst;
}

void cucm_trust_show_frame(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo)
{
    for (int o = 0; o < CUCM_OWNER_COUNT; o++) {
        guint n;
        if (!ids_of[o] || !cucm_trust_decisions(pinfo, (cucm_owner)o, &n))
            continue;
        proto_item *pi = proto_tree_add_item(tree, ids_of[o]->proto, tvb, 0, 0, ENC_NA);
        proto_item_append_text(pi, ", trust decisions");
        proto_tree *t = proto_item_add_subtree(pi, ids_of[o]->ett);
        cucm_trust_show(t, tvb, pinfo, ids_of[o], (cucm_owner)o);
    }
}

static gboolean is_signed_outcome(sbd_trust_outcome o)
{
    return o >= SBD_OUT_SIGNED_VALID && o <= SBD_OUT_SIGNED_NO_LIST;
}

gboolean cucm_trust_signed_verdict(packet_info *pinfo, sbd_sig_status *sig, guint32 *held_frame,
                                   gboolean *held_is_ctl, const char **reason)
{
    guint n;
    const cucm_decision *const *d = cucm_trust_decisions(pinfo, CUCM_OWNER_SGN, &n);
    for (guint i = 0; i < n; i++)
        if (is_signed_outcome(d[i]->outcome) &&
            (d[i]->file_frame ? d[i]->file_frame : d[i]->event_frame) == pinfo->num) {
            *sig = d[i]->sig;
            *held_frame = d[i]->held_frame;
            *held_is_ctl = d[i]->held_is_ctl;
            *reason = d[i]->reason;
            return TRUE;
        }
    return FALSE;
}

/* ---- services ---- */

void cucm_trust_set_tvs_ports(range_t *r)
{
    tvs_ports = r;
}

sbd_service cucm_service_of_port(guint16 port)
{
    if (tvs_ports && value_is_in_range(tvs_ports, port))
        return SBD_SVC_TVS;
    sbd_service s = sbd_service_of_port(NULL, port);
    /* The TVS ports are the preference's, not the table's default. */
    return s == SBD_SVC_TVS ? SBD_SVC_NONE : s;
}
