/* JSON for parsed files (docs/output.md documents the fields). */
#include <string.h>

#include <openssl/evp.h>

#include "lib/escape.h"
#include "report/json_file.h"
#include "sbd/cert.h"

const char *json_kind_word(const sbd_file *f)
{
    switch (f->kind) {
    case SBD_KIND_TRUST_LIST:
        return sbd_file_is_ctl(f) ? "ctl" : "itl";
    case SBD_KIND_SGN:
        return "sgn";
    case SBD_KIND_ENC_SGN:
        return "enc_sgn";
    default:
        return "other";
    }
}

static json_t *elem_string(const sbd_file *f, const sbd_elem *e)
{
    char s[1024];
    return e ? esc_json_str(sbd_elem_string(f, e, s, sizeof s)) : json_null();
}

static json_t *elem_serial(const sbd_file *f, const sbd_elem *e)
{
    char s[300];
    return e ? esc_json_str(
                   sbd_hex_serial(f->buf + e->value_off, e->len, SBD_SERIAL_FIELD, s, sizeof s))
             : json_null();
}

static json_t *hex_upper(const uint8_t *p, size_t n)
{
    char s[2 * 128 + 1];
    if (n > 128)
        n = 128;
    for (size_t i = 0; i < n; i++)
        snprintf(s + 2 * i, 3, "%02X", p[i]);
    s[2 * n] = '\0';
    return esc_json_str(s);
}

static json_t *hash_name(uint8_t id)
{
    const char *n = sbd_hash_name(id);
    return n ? esc_json_str(n) : json_sprintf("unknown(%u)", id);
}

void json_set_digests(json_t *obj, const uint8_t *buf, size_t len)
{
    static const struct {
        const char *key;
        const EVP_MD *(*md)(void);
    } algs[] = {{"md5", EVP_md5}, {"sha1", EVP_sha1}, {"sha256", EVP_sha256}};
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        char hex[2 * EVP_MAX_MD_SIZE + 1];
        if (EVP_Digest(buf, len, d, &n, algs[i].md(), NULL))
            esc_json_set(obj, algs[i].key, esc_json_str(sbd_hex_lower(d, n, hex, sizeof hex)));
    }
}

json_t *json_signer(const sbd_file *f)
{
    const sbd_header *h = &f->hdr;
    if (!h->signer_name && !h->signer_serial && !h->ca_name)
        return json_null();
    return json_pack("{s:o, s:o, s:o}", "name", elem_string(f, h->signer_name), "serial",
                     elem_serial(f, h->signer_serial), "issuer", elem_string(f, h->ca_name));
}

static json_t *encryption_block(const sbd_file *f)
{
    const sbd_enc_block *b = &f->enc;
    json_t *o = json_object();
    if (b->iv)
        esc_json_set(o, "iv", hex_upper(f->buf + b->iv->value_off, b->iv->len));
    esc_json_set(o, "pad_count", json_integer(b->pad_count));
    esc_json_set(o, "key_size", json_integer(b->key_size));
    esc_json_set(o, "key_algorithm", json_integer(b->key_alg));
    esc_json_set(o, "wrapped_key_length", json_integer(b->wrapped_key ? b->wrapped_key->len : 0));
    esc_json_set(o, "plaintext_hash_algorithm", hash_name(b->plain_hash_alg));
    if (b->plain_hash)
        esc_json_set(o, "plaintext_hash",
                     hex_upper(f->buf + b->plain_hash->value_off, b->plain_hash->len));
    return o;
}

json_t *json_file_header(const sbd_file *f)
{
    const sbd_header *h = &f->hdr;
    char iso[32];
    json_t *o = json_object();
    esc_json_set(o, "version", json_sprintf("%u.%u", h->version_major, h->version_minor));
    esc_json_set(o, "header_length", json_integer(h->header_length));
    if (h->has_signer_version)
        esc_json_set(o, "signer_version",
                     json_sprintf("%u.%u", h->signer_version_major, h->signer_version_minor));
    esc_json_set(o, "signer", json_signer(f));
    esc_json_set(o, "hash_algorithm", h->digest_alg_elem ? hash_name(h->digest_alg) : json_null());
    esc_json_set(o, "signature_algorithm", json_integer(h->signature_alg));
    esc_json_set(o, "signature_length", json_integer(h->signature ? h->signature->len : 0));
    esc_json_set(o, "filename", elem_string(f, h->filename));
    if (h->timestamp_elem) {
        esc_json_set(o, "timestamp", json_integer(h->timestamp));
        esc_json_set(o, "timestamp_iso", esc_json_str(sbd_time_iso(h->timestamp, iso, sizeof iso)));
    }
    esc_json_set(o, "padding", json_integer(h->padding_count));
    esc_json_set(o, "body_offset", json_integer(f->body_off));
    esc_json_set(o, "body_length", json_integer(f->body_len));
    if (f->kind == SBD_KIND_ENC_SGN)
        esc_json_set(o, "encryption", encryption_block(f));
    return o;
}

static json_t *elem_json(const sbd_elem *e)
{
    const char *name = e->padding                     ? "PADDING"
                       : e->scope == SBD_SCOPE_HEADER ? sbd_header_tag_name(e->tag)
                                                      : sbd_record_tag_name(e->tag);
    json_t *o =
        json_pack("{s:i, s:s, s:I, s:i, s:i}", "tag", e->tag, "name", name ? name : "UNKNOWN",
                  "offset", (json_int_t)e->off, "length", e->len, "depth", e->depth);
    if (e->container)
        esc_json_set(o, "container", json_true());
    if (!e->known)
        esc_json_set(o, "unknown", json_true());
    return o;
}

json_t *json_file_header_elements(const sbd_file *f)
{
    json_t *a = json_array();
    for (size_t i = 0; i < f->n_header_elems; i++)
        esc_json_append(a, elem_json(&f->elems[i]));
    return a;
}

static void record_cert_facts(json_t *o, const sbd_file *f, const sbd_record *r)
{
    sbd_cert_info ci;
    sbd_error err;
    char buf[2 * 32 + 1], iso[32];
    if (sbd_cert_info_from_der(f->buf + r->certificate->value_off, r->certificate->len, &ci,
                               &err) != SBD_OK) {
        esc_json_set(o, "cert_error", esc_json_str(err.msg));
        return;
    }
    esc_json_set(o, "cert_sha1", esc_json_str(sbd_hex_lower(ci.sha1, 20, buf, sizeof buf)));
    esc_json_set(o, "cert_sha256", esc_json_str(sbd_hex_lower(ci.sha256, 32, buf, sizeof buf)));
    esc_json_set(o, "not_before", esc_json_str(sbd_time_iso(ci.not_before, iso, sizeof iso)));
    esc_json_set(o, "not_after", esc_json_str(sbd_time_iso(ci.not_after, iso, sizeof iso)));
    esc_json_set(o, "key", json_sprintf("%s %d", ci.key_type, ci.key_bits));
}

static json_t *record_json(const sbd_file *f, size_t i, int with_elements)
{
    const sbd_record *r = &f->records[i];
    json_t *o = json_pack("{s:I, s:I, s:I}", "index", (json_int_t)i + 1, "offset",
                          (json_int_t)r->off, "length", (json_int_t)r->len);
    if (r->function_elem) {
        const char *fn = sbd_function_name(r->function);
        esc_json_set(o, "function_code", json_integer(r->function));
        esc_json_set(o, "function", fn ? esc_json_str(fn) : json_sprintf("%u", r->function));
    } else {
        esc_json_set(o, "function", json_null());
    }
    esc_json_set(o, "dns_name", elem_string(f, r->dns_name));
    esc_json_set(o, "subject", elem_string(f, r->subject));
    esc_json_set(o, "issuer", elem_string(f, r->issuer));
    esc_json_set(o, "serial", elem_serial(f, r->serial));
    if (r->ip_address && r->ip_address->len == 4) {
        const uint8_t *ip = f->buf + r->ip_address->value_off;
        esc_json_set(o, "ip", json_sprintf("%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]));
    }
    if (r->cert_hash)
        esc_json_set(o, "cert_hash",
                     hex_upper(f->buf + r->cert_hash->value_off, r->cert_hash->len));
    if (r->hash_alg_elem)
        esc_json_set(o, "hash_algorithm", hash_name(r->hash_alg));
    esc_json_set(o, "has_certificate", json_boolean(r->certificate != NULL));
    if (r->certificate)
        record_cert_facts(o, f, r);
    esc_json_set(o, "is_signer", json_boolean(sbd_record_is_header_signer(f, r)));
    if (with_elements) {
        json_t *a = json_array();
        for (size_t k = 0; k < r->n_elems; k++)
            esc_json_append(a, elem_json(&r->first_elem[k]));
        esc_json_set(o, "elements", a);
    }
    return o;
}

json_t *json_file_records(const sbd_file *f, int with_elements)
{
    json_t *a = json_array();
    for (size_t i = 0; i < f->n_records; i++)
        esc_json_append(a, record_json(f, i, with_elements));
    return a;
}

json_t *json_signature(const sbd_verify_result *vr, const sbd_file *signer_list)
{
    if (!vr)
        return json_pack("{s:s}", "status", "not_checked");
    json_t *o = json_pack("{s:s, s:o}", "status", sbd_sig_status_name(vr->status), "detail",
                          esc_json_str(vr->detail));
    if (vr->signer && signer_list)
        esc_json_set(o, "signer_record", json_integer((json_int_t)vr->signer_index + 1));
    return o;
}
