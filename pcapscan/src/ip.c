/* IPv4/IPv6 header parsing (bounded extension-header walk) and fragment reassembly. */
#include <stdlib.h>
#include <string.h>

#include "cap/ip.h"
#include "sbd/rd.h"

enum {
    IP6_HOPOPTS = 0,
    IP6_ROUTING = 43,
    IP6_FRAGMENT = 44,
    IP6_AH = 51,
    IP6_NONE = 59,
    IP6_DSTOPTS = 60,
    IP6_MOBILITY = 135,
    IP6_MAX_EXT = 8, /* longer chains are refused rather than walked */
};

/* Bytes of the datagram present in the capture, given the length the header claims.
 * claimed 0 means "use what is there" (TSO-offloaded IPv4, IPv6 jumbograms). */
static size_t usable_len(size_t claimed, size_t caplen, bool *truncated)
{
    if (claimed == 0) {
        *truncated = false;
        return caplen;
    }
    *truncated = claimed > caplen;
    return claimed > caplen ? caplen : claimed;
}

static cap_ip_result parse_v4(const uint8_t *p, size_t caplen, size_t wirelen, cap_ip *out)
{
    if (caplen < 20)
        return CAP_IP_SHORT;
    size_t hl = (size_t)(p[0] & 0x0f) * 4;
    if (hl < 20)
        return CAP_IP_MALFORMED;
    if (hl > caplen)
        return CAP_IP_SHORT;
    size_t total = sbd_be16(p + 2);
    if (total != 0 && total < hl)
        return CAP_IP_MALFORMED;
    size_t end = usable_len(total == 0 ? wirelen : total, caplen, &out->truncated);
    out->src.family = out->dst.family = 4;
    memcpy(out->src.a, p + 12, 4);
    memcpy(out->dst.a, p + 16, 4);
    out->proto = p[9];
    out->payload = p + hl;
    out->payload_len = end - hl;
    uint16_t fo = sbd_be16(p + 6);
    out->more_fragments = (fo & 0x2000) != 0;
    out->frag_offset = (uint32_t)(fo & 0x1fff) * 8;
    out->is_fragment = out->more_fragments || out->frag_offset != 0;
    out->frag_id = sbd_be16(p + 4);
    return CAP_IP_OK;
}

/* Walks extension headers from p[40] up to end; stops after a fragment header of a real
 * fragment (what follows is fragmentable data, not a header). */
static cap_ip_result walk_v6_ext(const uint8_t *p, size_t end, cap_ip *out)
{
    uint8_t next = p[6];
    size_t off = 40;
    for (int n = 0;; n++) {
        size_t hlen;
        if (next != IP6_HOPOPTS && next != IP6_ROUTING && next != IP6_DSTOPTS &&
            next != IP6_MOBILITY && next != IP6_AH && next != IP6_FRAGMENT)
            break;
        if (n == IP6_MAX_EXT)
            return CAP_IP_MALFORMED;
        if (off + 8 > end)
            return out->truncated ? CAP_IP_SHORT : CAP_IP_MALFORMED;
        if (next == IP6_FRAGMENT) {
            uint16_t fo = sbd_be16(p + off + 2);
            out->frag_offset = fo & 0xfff8;
            out->more_fragments = (fo & 1) != 0;
            out->frag_id = sbd_be32(p + off + 4);
            next = p[off];
            off += 8;
            if (out->frag_offset != 0 || out->more_fragments) {
                out->is_fragment = true;
                break;
            }
            continue; /* atomic fragment: an ordinary packet */
        }
        hlen = next == IP6_AH ? ((size_t)p[off + 1] + 2) * 4 : ((size_t)p[off + 1] + 1) * 8;
        next = p[off];
        if (off + hlen > end)
            return out->truncated ? CAP_IP_SHORT : CAP_IP_MALFORMED;
        off += hlen;
    }
    out->proto = next;
    out->payload = p + off;
    out->payload_len = end - off;
    return CAP_IP_OK;
}

static cap_ip_result parse_v6(const uint8_t *p, size_t caplen, cap_ip *out)
{
    if (caplen < 40)
        return CAP_IP_SHORT;
    size_t plen = sbd_be16(p + 4);
    size_t end = usable_len(plen == 0 ? 0 : plen + 40, caplen, &out->truncated);
    out->src.family = out->dst.family = 6;
    memcpy(out->src.a, p + 8, 16);
    memcpy(out->dst.a, p + 24, 16);
    return walk_v6_ext(p, end, out);
}

cap_ip_result cap_ip_parse(const uint8_t *p, size_t caplen, size_t wirelen, cap_ip *out)
{
    memset(out, 0, sizeof *out);
    if (caplen < 1)
        return CAP_IP_SHORT;
    if (wirelen < caplen)
        wirelen = caplen;
    switch (p[0] >> 4) {
    case 4:
        return parse_v4(p, caplen, wirelen, out);
    case 6:
        return parse_v6(p, caplen, out);
    default:
        return CAP_IP_MALFORMED;
    }
}

/* ---- reassembly ---- */

typedef struct dg_slot {
    bool used;
    cap_addr src, dst;
    uint8_t key_proto; /* IPv4 only: part of the key */
    uint32_t id;
    uint8_t proto;       /* upper protocol, from the offset-0 fragment when seen */
    uint8_t *buf, *have; /* payload bytes and a bit per byte held */
    size_t cap;          /* bytes buf can hold (have holds cap bits) */
    size_t total;        /* datagram length once the last fragment was seen, else 0 */
    size_t filled;       /* bytes held */
    size_t max_end;      /* highest byte end seen over all fragments */
    int64_t last_seen;
} dg_slot;

struct cap_defrag {
    cap_defrag_limits lim;
    cap_defrag_stats st;
    dg_slot *slots;
};

cap_defrag *cap_defrag_new(const cap_defrag_limits *limits)
{
    cap_defrag *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (limits)
        d->lim = *limits;
    if (d->lim.max_datagrams == 0)
        d->lim.max_datagrams = 64;
    if (d->lim.max_bytes == 0)
        d->lim.max_bytes = 65535;
    if (d->lim.timeout_usec <= 0)
        d->lim.timeout_usec = 30 * 1000000LL;
    d->slots = calloc(d->lim.max_datagrams, sizeof *d->slots);
    if (!d->slots) {
        free(d);
        return NULL;
    }
    return d;
}

void cap_defrag_free(cap_defrag *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->lim.max_datagrams; i++) {
        free(d->slots[i].buf);
        free(d->slots[i].have);
    }
    free(d->slots);
    free(d);
}

static void expire(cap_defrag *d, int64_t now)
{
    for (size_t i = 0; i < d->lim.max_datagrams; i++) {
        dg_slot *s = &d->slots[i];
        if (s->used && now - s->last_seen > d->lim.timeout_usec) {
            s->used = false;
            d->st.timed_out++;
        }
    }
}

static bool same_key(const dg_slot *s, const cap_ip *f)
{
    return s->used && s->id == f->frag_id && cap_addr_equal(&s->src, &f->src) &&
           cap_addr_equal(&s->dst, &f->dst) && (f->src.family == 6 || s->key_proto == f->proto);
}

static dg_slot *find_slot(cap_defrag *d, const cap_ip *f)
{
    for (size_t i = 0; i < d->lim.max_datagrams; i++)
        if (same_key(&d->slots[i], f))
            return &d->slots[i];
    return NULL;
}

/* A free slot, else the least recently fed one (its datagram is evicted and counted). */
static dg_slot *claim_slot(cap_defrag *d, const cap_ip *f, int64_t now)
{
    dg_slot *pick = NULL;
    for (size_t i = 0; i < d->lim.max_datagrams && !(pick && !pick->used); i++) {
        dg_slot *s = &d->slots[i];
        if (!pick || !s->used || s->last_seen < pick->last_seen)
            pick = s;
    }
    if (pick->used)
        d->st.evicted++;
    if (pick->have)
        memset(pick->have, 0, (pick->cap + 7) / 8);
    pick->used = true;
    pick->src = f->src;
    pick->dst = f->dst;
    pick->key_proto = f->proto;
    pick->proto = f->proto;
    pick->id = f->frag_id;
    pick->total = 0;
    pick->filled = 0;
    pick->max_end = 0;
    pick->last_seen = now;
    return pick;
}

static bool ensure_cap(dg_slot *s, size_t need, size_t limit)
{
    if (need <= s->cap)
        return true;
    size_t nc = s->cap ? s->cap : 2048;
    while (nc < need)
        nc *= 2;
    if (nc > limit)
        nc = limit;
    uint8_t *nb = realloc(s->buf, nc);
    if (!nb)
        return false;
    s->buf = nb;
    uint8_t *nh = realloc(s->have, (nc + 7) / 8);
    if (!nh)
        return false;
    memset(nh + (s->cap + 7) / 8, 0, (nc + 7) / 8 - (s->cap + 7) / 8);
    s->have = nh;
    s->cap = nc;
    return true;
}

/* Copies the fragment into the holes only (first copy wins); reports overlap/conflict. */
static void fill(cap_defrag *d, dg_slot *s, size_t off, const uint8_t *src, size_t len)
{
    bool overlap = false, conflict = false;
    for (size_t i = 0; i < len; i++) {
        size_t at = off + i;
        uint8_t bit = (uint8_t)(1u << (at & 7));
        if (s->have[at >> 3] & bit) {
            overlap = true;
            conflict |= s->buf[at] != src[i];
            continue;
        }
        s->have[at >> 3] |= bit;
        s->buf[at] = src[i];
        s->filled++;
    }
    d->st.overlaps += overlap;
    d->st.conflicts += conflict;
}

static cap_defrag_result drop(dg_slot *s)
{
    if (s)
        s->used = false;
    return CAP_DEFRAG_DROPPED;
}

cap_defrag_result cap_defrag_add(cap_defrag *d, const cap_ip *frag, int64_t now_usec, cap_ip *whole)
{
    d->st.fragments++;
    expire(d, now_usec);
    dg_slot *s = find_slot(d, frag);
    size_t end = (size_t)frag->frag_offset + frag->payload_len;
    if (frag->truncated) {
        d->st.truncated++;
        return drop(s);
    }
    if (end > d->lim.max_bytes) {
        d->st.too_big++;
        return drop(s);
    }
    if (!s)
        s = claim_slot(d, frag, now_usec);
    s->last_seen = now_usec;
    if (!ensure_cap(s, end, d->lim.max_bytes))
        return drop(s);
    bool ends_here = !frag->more_fragments;
    if ((ends_here && s->total && s->total != end) || (s->total && end > s->total) ||
        (ends_here && s->max_end > end)) {
        d->st.conflicts++; /* two different ends: nothing trustworthy to rebuild */
        return drop(s);
    }
    if (ends_here)
        s->total = end;
    if (end > s->max_end)
        s->max_end = end;
    if (frag->frag_offset == 0)
        s->proto = frag->proto;
    fill(d, s, frag->frag_offset, frag->payload, frag->payload_len);
    if (s->total == 0 || s->filled != s->total)
        return CAP_DEFRAG_PENDING;
    memset(whole, 0, sizeof *whole);
    whole->src = s->src;
    whole->dst = s->dst;
    whole->proto = s->proto;
    whole->payload = s->buf;
    whole->payload_len = s->total;
    s->used = false; /* buffer stays with the slot; valid until the next add */
    d->st.reassembled++;
    return CAP_DEFRAG_COMPLETE;
}

void cap_defrag_flush(cap_defrag *d)
{
    for (size_t i = 0; i < d->lim.max_datagrams; i++) {
        if (d->slots[i].used) {
            d->slots[i].used = false;
            d->st.pending++;
        }
    }
}

const cap_defrag_stats *cap_defrag_get_stats(const cap_defrag *d)
{
    return &d->st;
}
