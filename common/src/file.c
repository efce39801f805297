/* Parser for Cisco signed files: header (docs/formats.md section 2), encryption block (section 5)
 * and ITL/CTL records (section 3). Tables are sized from the bytes present, never from a claimed
 * length; containers are walked with an explicit stack, never by recursion. */
#include <stdlib.h>
#include <string.h>

#include "sbd/file.h"
#include "sbd/rd.h"

#define MAX_CONTAINER_DEPTH 4
/* CUCM pads with at most 3 bytes; more than this is not a header. Bounds the element table. */
#define MAX_PADDING 255

/* State of one walk over a file. */
typedef struct walk {
    const uint8_t *buf;
    size_t len;
    sbd_elem *elems;
    size_t n_elems;
    sbd_record *records;
    size_t n_records;
    size_t n_unknown;
    size_t n_padding;
    uint16_t header_length; /* 0 until tag 2 is seen */
    sbd_error *err;
} walk;

static void emit(walk *w, const sbd_elem *e)
{
    w->elems[w->n_elems] = *e;
    w->n_elems++;
    if (!e->known)
        w->n_unknown++;
}

/* Fixed value sizes of header tags; 0 = variable. */
static size_t header_fixed_size(uint8_t tag)
{
    switch (tag) {
    case SBD_HT_VERSION:
    case SBD_HT_HEADER_LENGTH:
    case SBD_HT_SIGNER_VERSION:
    case SBD_HT_PAD_COUNT:
    case SBD_HT_KEY_SIZE:
        return 2;
    case SBD_HT_DIGEST_ALG:
    case SBD_HT_SIGNATURE_ALG:
    case SBD_HT_SIGNATURE_MODULUS:
    case SBD_HT_IV_UNKNOWN:
    case SBD_HT_KEY_UNKNOWN:
    case SBD_HT_KEY_ALG:
    case SBD_HT_PLAIN_HASH_ALG:
        return 1;
    case SBD_HT_TIMESTAMP:
        return 4;
    default:
        return 0;
    }
}

static bool header_tag_known(uint8_t tag)
{
    return tag >= SBD_HT_VERSION && tag <= SBD_HT_SIGNER_VERSION && tag != SBD_HT_PADDING;
}

/* Tags whose value must not be empty (a length of 0 is a lie about the content). */
static bool header_tag_needs_value(uint8_t tag)
{
    switch (tag) {
    case SBD_HT_SIGNER_NAME:
    case SBD_HT_SERIAL:
    case SBD_HT_CA_NAME:
    case SBD_HT_SIGNATURE:
    case SBD_HT_FILENAME:
    case SBD_HT_IV:
    case SBD_HT_WRAPPED_KEY:
    case SBD_HT_PLAIN_HASH:
        return true;
    default:
        return false;
    }
}

static sbd_status check_header_value(walk *w, const sbd_elem *e)
{
    const char *name = sbd_header_tag_name(e->tag);
    size_t want = header_fixed_size(e->tag);
    if (want && e->len != want)
        return sbd_fail(w->err, SBD_MALFORMED, e->off,
                        "header tag %u (%s) has length %u, expected %zu", e->tag, name, e->len,
                        want);
    if (e->len == 0 && header_tag_needs_value(e->tag))
        return sbd_fail(w->err, SBD_MALFORMED, e->off, "header tag %u (%s) is empty", e->tag, name);
    return SBD_OK;
}

/* Tag 2 decides where the header ends; check it against what has been read and the file size. */
static sbd_status take_header_length(walk *w, const sbd_elem *e, const size_t *ends, int depth)
{
    uint16_t hl = sbd_be16(w->buf + e->value_off);
    size_t here = (size_t)e->value_off + e->len;
    if (hl < here)
        return sbd_fail(w->err, SBD_MALFORMED, e->value_off,
                        "header length %u ends before the header length element", hl);
    if (hl > w->len)
        return sbd_fail(w->err, SBD_TRUNCATED, e->value_off,
                        "header length %u exceeds the file size %zu", hl, w->len);
    for (int i = 0; i < depth; i++)
        if (ends[i] > hl)
            return sbd_fail(w->err, SBD_MALFORMED, e->value_off,
                            "header length %u cuts a container ending at %zu", hl, ends[i]);
    w->header_length = hl;
    return SBD_OK;
}

/* Header elements from offset 0 to the header length. Containers are stepped into: their
 * children follow immediately, so a stack of end offsets replaces recursion. */
static sbd_status walk_header(walk *w)
{
    size_t ends[MAX_CONTAINER_DEPTH] = {0};
    int depth = 0;
    size_t pos = 0;
    for (;;) {
        while (depth > 0 && pos == ends[depth - 1])
            depth--;
        size_t limit = depth > 0 ? ends[depth - 1] : (w->header_length ? w->header_length : w->len);
        if (depth == 0 && w->header_length && pos == w->header_length)
            return SBD_OK;
        if (pos >= limit)
            return w->header_length ? sbd_fail(w->err, SBD_MALFORMED, pos,
                                               "header element runs past offset %zu", limit)
                                    : sbd_fail(w->err, SBD_TRUNCATED, pos,
                                               "file ends before the header length tag");
        sbd_elem e = {.off = (uint32_t)pos,
                      .tag = w->buf[pos],
                      .depth = (uint8_t)depth,
                      .scope = SBD_SCOPE_HEADER};
        if (e.tag == SBD_HT_PADDING && depth == 0) {
            if (++w->n_padding > MAX_PADDING)
                return sbd_fail(w->err, SBD_MALFORMED, pos, "more than %d padding bytes",
                                MAX_PADDING);
            e.value_off = (uint32_t)(pos + 1);
            e.padding = e.known = true;
            emit(w, &e);
            pos++;
            continue;
        }
        if (limit - pos < 3)
            return sbd_fail(w->err, w->header_length ? SBD_MALFORMED : SBD_TRUNCATED, pos,
                            "header element tag %u has no room for its length", e.tag);
        e.len = sbd_be16(w->buf + pos + 1);
        e.value_off = (uint32_t)(pos + 3);
        if (e.len > limit - pos - 3)
            return sbd_fail(w->err, limit == w->len ? SBD_TRUNCATED : SBD_MALFORMED, pos,
                            "header tag %u length %u runs past offset %zu", e.tag, e.len, limit);
        e.known = header_tag_known(e.tag);
        e.container = sbd_header_tag_is_container(e.tag);
        sbd_status st = check_header_value(w, &e);
        if (st != SBD_OK)
            return st;
        if (e.tag == SBD_HT_HEADER_LENGTH && !w->header_length) {
            st = take_header_length(w, &e, ends, depth);
            if (st != SBD_OK)
                return st;
        }
        emit(w, &e);
        if (e.container) {
            if (depth == MAX_CONTAINER_DEPTH)
                return sbd_fail(w->err, SBD_MALFORMED, pos, "containers nested deeper than %d",
                                MAX_CONTAINER_DEPTH);
            ends[depth++] = pos + 3 + e.len;
            pos += 3;
        } else {
            pos += 3 + (size_t)e.len;
        }
    }
}

static sbd_status check_record_value(walk *w, const sbd_elem *e)
{
    const char *name = sbd_record_tag_name(e->tag);
    switch (e->tag) {
    case SBD_RT_RECORD_LENGTH: /* a repeated one inside the record still has to be a u16 */
    case SBD_RT_FUNCTION:
        if (e->len != 2)
            break;
        return SBD_OK;
    case SBD_RT_HASH_ALG:
        if (e->len != 1)
            break;
        return SBD_OK;
    case SBD_RT_IP_ADDRESS:
        if (e->len != 4 && e->len != 16)
            break;
        return SBD_OK;
    case SBD_RT_SUBJECT:
    case SBD_RT_ISSUER:
    case SBD_RT_SERIAL:
    case SBD_RT_PUBLIC_KEY:
    case SBD_RT_CERTIFICATE:
    case SBD_RT_CERT_HASH:
        if (e->len == 0)
            return sbd_fail(w->err, SBD_MALFORMED, e->off, "record tag %u (%s) is empty", e->tag,
                            name);
        return SBD_OK;
    default:
        return SBD_OK;
    }
    return sbd_fail(w->err, SBD_MALFORMED, e->off, "record tag %u (%s) has length %u", e->tag, name,
                    e->len);
}

static bool record_tag_known(uint8_t tag)
{
    return tag >= SBD_RT_RECORD_LENGTH && tag <= SBD_RT_HASH_ALG;
}

/* One record: RECORDLENGTH first, then elements that must exactly fill it. */
static sbd_status walk_record(walk *w, size_t pos, size_t *next)
{
    size_t left = w->len - pos;
    if (left < 5)
        return sbd_fail(w->err, SBD_TRUNCATED, pos, "record header needs 5 bytes, %zu left", left);
    if (w->buf[pos] != SBD_RT_RECORD_LENGTH || sbd_be16(w->buf + pos + 1) != 2)
        return sbd_fail(w->err, SBD_MALFORMED, pos, "record does not start with RECORDLENGTH");
    size_t rl = sbd_be16(w->buf + pos + 3);
    if (rl < 5)
        return sbd_fail(w->err, SBD_MALFORMED, pos, "record length %zu is shorter than its header",
                        rl);
    if (rl > left)
        return sbd_fail(w->err, SBD_TRUNCATED, pos,
                        "record length %zu runs past the end (%zu left)", rl, left);
    size_t end = pos + rl;
    size_t first = w->n_elems;
    for (size_t p = pos; p < end;) {
        if (end - p < 3)
            return sbd_fail(w->err, SBD_MALFORMED, p, "record element has no room for its length");
        sbd_elem e = {.off = (uint32_t)p,
                      .value_off = (uint32_t)(p + 3),
                      .tag = w->buf[p],
                      .len = sbd_be16(w->buf + p + 1),
                      .scope = SBD_SCOPE_RECORD};
        if (e.len > end - p - 3)
            return sbd_fail(w->err, SBD_MALFORMED, p,
                            "record tag %u length %u runs past the record end at %zu", e.tag, e.len,
                            end);
        e.known = record_tag_known(e.tag);
        sbd_status st = check_record_value(w, &e);
        if (st != SBD_OK)
            return st;
        emit(w, &e);
        p += 3 + (size_t)e.len;
    }
    w->records[w->n_records] = (sbd_record){
        .off = (uint32_t)pos,
        .len = (uint32_t)rl,
        .first_elem = &w->elems[first],
        .n_elems = w->n_elems - first,
    };
    w->n_records++;
    *next = end;
    return SBD_OK;
}

static sbd_status walk_records(walk *w, size_t body_off)
{
    if (body_off == w->len)
        return sbd_fail(w->err, SBD_MALFORMED, body_off, "trust list has no records");
    for (size_t pos = body_off; pos < w->len;) {
        sbd_status st = walk_record(w, pos, &pos);
        if (st != SBD_OK)
            return st;
    }
    return SBD_OK;
}

/* First element with this tag, or NULL. Later duplicates stay listed but never take over. */
static const sbd_elem *find_tag(const sbd_elem *e, size_t n, uint8_t tag)
{
    for (size_t i = 0; i < n; i++)
        if (e[i].tag == tag && !e[i].padding)
            return &e[i];
    return NULL;
}

static uint8_t u8_of(const sbd_file *f, const sbd_elem *e)
{
    return e ? f->buf[e->value_off] : 0;
}
static uint16_t u16_of(const sbd_file *f, const sbd_elem *e)
{
    return e ? sbd_be16(f->buf + e->value_off) : 0;
}

static void fill_header(sbd_file *f)
{
    const sbd_elem *e = f->elems;
    size_t n = f->n_header_elems;
    sbd_header *h = &f->hdr;
    h->version = find_tag(e, n, SBD_HT_VERSION);
    h->header_length_elem = find_tag(e, n, SBD_HT_HEADER_LENGTH);
    h->signer_version = find_tag(e, n, SBD_HT_SIGNER_VERSION);
    h->signer_id = find_tag(e, n, SBD_HT_SIGNER_ID);
    h->signer_name = find_tag(e, n, SBD_HT_SIGNER_NAME);
    h->signer_serial = find_tag(e, n, SBD_HT_SERIAL);
    h->ca_name = find_tag(e, n, SBD_HT_CA_NAME);
    h->signature_info = find_tag(e, n, SBD_HT_SIGNATURE_INFO);
    h->digest_alg_elem = find_tag(e, n, SBD_HT_DIGEST_ALG);
    h->signature_algo_info = find_tag(e, n, SBD_HT_SIGNATURE_ALGO_INFO);
    h->signature_alg_elem = find_tag(e, n, SBD_HT_SIGNATURE_ALG);
    h->signature_modulus_elem = find_tag(e, n, SBD_HT_SIGNATURE_MODULUS);
    h->signature = find_tag(e, n, SBD_HT_SIGNATURE);
    h->filename = find_tag(e, n, SBD_HT_FILENAME);
    h->timestamp_elem = find_tag(e, n, SBD_HT_TIMESTAMP);
    if (h->version) {
        h->version_major = f->buf[h->version->value_off];
        h->version_minor = f->buf[h->version->value_off + 1];
    }
    if (h->signer_version) {
        h->has_signer_version = true;
        h->signer_version_major = f->buf[h->signer_version->value_off];
        h->signer_version_minor = f->buf[h->signer_version->value_off + 1];
    }
    h->header_length = u16_of(f, h->header_length_elem);
    h->digest_alg = u8_of(f, h->digest_alg_elem);
    h->signature_alg = u8_of(f, h->signature_alg_elem);
    h->signature_modulus = u8_of(f, h->signature_modulus_elem);
    h->timestamp = h->timestamp_elem ? sbd_be32(f->buf + h->timestamp_elem->value_off) : 0;
    for (size_t i = 0; i < n; i++)
        h->padding_count += e[i].padding;
}

static void fill_enc(sbd_file *f)
{
    const sbd_elem *e = f->elems;
    size_t n = f->n_header_elems;
    sbd_enc_block *b = &f->enc;
    b->enc_info = find_tag(e, n, SBD_HT_ENC_INFO);
    b->iv_info = find_tag(e, n, SBD_HT_IV_INFO);
    b->iv_unknown = find_tag(e, n, SBD_HT_IV_UNKNOWN);
    b->iv = find_tag(e, n, SBD_HT_IV);
    b->pad_count_elem = find_tag(e, n, SBD_HT_PAD_COUNT);
    b->key_info = find_tag(e, n, SBD_HT_KEY_INFO);
    b->key_unknown = find_tag(e, n, SBD_HT_KEY_UNKNOWN);
    b->key_size_elem = find_tag(e, n, SBD_HT_KEY_SIZE);
    b->key_alg_elem = find_tag(e, n, SBD_HT_KEY_ALG);
    b->wrapped_key = find_tag(e, n, SBD_HT_WRAPPED_KEY);
    b->plain_hash_alg_elem = find_tag(e, n, SBD_HT_PLAIN_HASH_ALG);
    b->plain_hash = find_tag(e, n, SBD_HT_PLAIN_HASH);
    b->pad_count = u16_of(f, b->pad_count_elem);
    b->key_size = u16_of(f, b->key_size_elem);
    b->key_alg = u8_of(f, b->key_alg_elem);
    b->plain_hash_alg = u8_of(f, b->plain_hash_alg_elem);
}

static void fill_record(sbd_file *f, sbd_record *r)
{
    const sbd_elem *e = r->first_elem;
    size_t n = r->n_elems;
    r->record_length = find_tag(e, n, SBD_RT_RECORD_LENGTH);
    r->dns_name = find_tag(e, n, SBD_RT_DNS_NAME);
    r->subject = find_tag(e, n, SBD_RT_SUBJECT);
    r->function_elem = find_tag(e, n, SBD_RT_FUNCTION);
    r->issuer = find_tag(e, n, SBD_RT_ISSUER);
    r->serial = find_tag(e, n, SBD_RT_SERIAL);
    r->public_key = find_tag(e, n, SBD_RT_PUBLIC_KEY);
    r->cert_signature = find_tag(e, n, SBD_RT_SIGNATURE);
    r->certificate = find_tag(e, n, SBD_RT_CERTIFICATE);
    r->ip_address = find_tag(e, n, SBD_RT_IP_ADDRESS);
    r->cert_hash = find_tag(e, n, SBD_RT_CERT_HASH);
    r->hash_alg_elem = find_tag(e, n, SBD_RT_HASH_ALG);
    r->function = u16_of(f, r->function_elem);
    r->hash_alg = u8_of(f, r->hash_alg_elem);
}

static bool filename_ends_with(const uint8_t *buf, const sbd_elem *fn, const char *suffix)
{
    if (!fn)
        return false;
    size_t n = fn->len;
    const uint8_t *v = buf + fn->value_off;
    while (n > 0 && v[n - 1] == 0)
        n--;
    size_t sl = strlen(suffix);
    if (n < sl)
        return false;
    for (size_t i = 0; i < sl; i++) {
        uint8_t c = v[n - sl + i];
        if (c >= 'A' && c <= 'Z')
            c = (uint8_t)(c - 'A' + 'a');
        if (c != (uint8_t)suffix[i])
            return false;
    }
    return true;
}

/* Content decides: an encryption block means .enc.sgn; a body that starts with RECORDLENGTH, or a
 * header naming a .tlv file, means a trust list; anything else is a signed payload. */
static sbd_kind detect_kind(const walk *hw, size_t n_header)
{
    const sbd_elem *e = hw->elems;
    if (find_tag(e, n_header, SBD_HT_ENC_INFO) || find_tag(e, n_header, SBD_HT_WRAPPED_KEY))
        return SBD_KIND_ENC_SGN;
    const uint8_t *body = hw->buf + hw->header_length;
    size_t body_len = hw->len - hw->header_length;
    if (body_len >= 5 && body[0] == SBD_RT_RECORD_LENGTH && body[1] == 0 && body[2] == 2)
        return SBD_KIND_TRUST_LIST;
    if (filename_ends_with(hw->buf, find_tag(e, n_header, SBD_HT_FILENAME), ".tlv"))
        return SBD_KIND_TRUST_LIST;
    return SBD_KIND_SGN;
}

static sbd_status parse_pass(walk *w, sbd_kind *kind, size_t *n_header)
{
    sbd_status st = walk_header(w);
    if (st != SBD_OK)
        return st;
    if (!w->header_length)
        return sbd_fail(w->err, SBD_MALFORMED, 0, "no header length tag");
    *n_header = w->n_elems;
    if (*kind == SBD_KIND_AUTO)
        *kind = detect_kind(w, *n_header);
    if (*kind == SBD_KIND_TRUST_LIST)
        return walk_records(w, w->header_length);
    return SBD_OK;
}

static sbd_status check_start(const uint8_t *buf, size_t len, sbd_error *err)
{
    if (!buf || len == 0)
        return sbd_fail(err, SBD_TRUNCATED, 0, "empty file");
    if (len > UINT32_MAX)
        return sbd_fail(err, SBD_LIMIT, 0, "file larger than 4 GiB");
    if (len < 5 || buf[0] != SBD_HT_VERSION || sbd_be16(buf + 1) != 2)
        return sbd_fail(err, SBD_MALFORMED, 0,
                        "not a Cisco signed file (no version tag at offset 0)");
    return SBD_OK;
}

/* The tables were sized for the worst case the input length allows; give the rest back (a
 * capture run keeps many parsed files) and re-point each record at its moved elements. */
static void shrink_tables(walk *w, size_t n_header)
{
    sbd_elem *e = realloc(w->elems, (w->n_elems ? w->n_elems : 1) * sizeof *e);
    if (e)
        w->elems = e;
    sbd_record *r = realloc(w->records, (w->n_records ? w->n_records : 1) * sizeof *r);
    if (r)
        w->records = r;
    size_t next = n_header;
    for (size_t i = 0; i < w->n_records; i++) {
        w->records[i].first_elem = &w->elems[next];
        next += w->records[i].n_elems;
    }
}

sbd_status sbd_file_parse(const uint8_t *buf, size_t len, sbd_kind kind, sbd_file *f,
                          sbd_error *err)
{
    memset(f, 0, sizeof *f);
    sbd_status st = check_start(buf, len, err);
    if (st != SBD_OK)
        return st;
    /* Bounds come from the bytes actually present: an element takes at least 3 bytes (padding
     * 1 byte, but only inside the header), a record at least 5. */
    size_t n_header = 0;
    walk w = {.buf = buf, .len = len, .err = err};
    size_t max_elems = len / 3 + 2 + MAX_PADDING;
    /* Not zeroed: every element and record is written whole before it is counted (zeroing the
     * worst-case tables cost more than parsing a trust list). */
    w.elems = max_elems <= SIZE_MAX / sizeof *w.elems ? malloc(max_elems * sizeof *w.elems) : NULL;
    if (!w.elems)
        return sbd_fail(err, SBD_NOMEM, 0, "out of memory for %zu elements", max_elems);
    /* Records are at least 5 bytes each. */
    size_t max_records = len / 5 + 1;
    w.records = max_records <= SIZE_MAX / sizeof *w.records
                    ? malloc(max_records * sizeof *w.records)
                    : NULL;
    if (!w.records) {
        free(w.elems);
        return sbd_fail(err, SBD_NOMEM, 0, "out of memory for records");
    }
    st = parse_pass(&w, &kind, &n_header);
    if (st != SBD_OK) {
        free(w.elems);
        free(w.records);
        return st;
    }
    shrink_tables(&w, n_header);
    f->buf = buf;
    f->len = len;
    f->kind = kind;
    f->elems = w.elems;
    f->n_elems = w.n_elems;
    f->n_header_elems = n_header;
    f->records = w.records;
    f->n_records = w.n_records;
    f->n_unknown = w.n_unknown;
    f->body_off = w.header_length;
    f->body_len = (uint32_t)(len - w.header_length);
    fill_header(f);
    if (kind == SBD_KIND_ENC_SGN)
        fill_enc(f);
    for (size_t i = 0; i < f->n_records; i++)
        fill_record(f, &f->records[i]);
    return SBD_OK;
}

void sbd_file_free(sbd_file *f)
{
    if (!f)
        return;
    free(f->elems);
    free(f->records);
    memset(f, 0, sizeof *f);
}

bool sbd_file_looks_signed(const uint8_t *buf, size_t len)
{
    return len >= 10 && buf[0] == SBD_HT_VERSION && buf[1] == 0 && buf[2] == 2 &&
           buf[5] == SBD_HT_HEADER_LENGTH && buf[6] == 0 && buf[7] == 2;
}

const char *sbd_kind_name(sbd_kind k)
{
    switch (k) {
    case SBD_KIND_TRUST_LIST:
        return "itl/ctl";
    case SBD_KIND_SGN:
        return "sgn";
    case SBD_KIND_ENC_SGN:
        return "enc.sgn";
    default:
        return "auto";
    }
}
