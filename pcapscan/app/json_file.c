/* JSON for parsed files (docs/output.md documents the fields). */
#include <string.h>

#include <openssl/evp.h>

#include "json_file.h"
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
    return e ? json_string(sbd_elem_string(f, e, s, sizeof s)) : json_null();
}

static json_t *elem_serial(const sbd_file *f, const sbd_elem *e)
{
    char s[300];
    return e ? json_string(sbd_hex_serial(f->buf + e->value_off, e->len, false, s, sizeof s))
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
    return json_string(s);
}

static json_t *hash_name(uint8_t id)
{
    const char *n = sbd_hash_name(id);
    return n ? json_string(n) : json_sprintf("unknown(%u)", id);
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
            json_object_set_new(obj, algs[i].key,
                                json_string(sbd_hex_lower(d, n, hex, sizeof hex)));
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
        json_object_set_new(o, "iv", hex_upper(f->buf + b->iv->value_off, b->iv->len));
    json_object_set_new(o, "pad_count", json_integer(b->pad_count));
    json_object_set_new(o, "key_size", json_integer(b->key_size));
    json_object_set_new(o, "key_algorithm", json_integer(b->key_alg));
    json_object_set_new(o, "wrapped_key_length",
                        json_integer(b->wrapped_key ? b->wrapped_key->len : 0));
    json_object_set_new(o, "plaintext_hash_algorithm", hash_name(b->plain_hash_alg));
    if (b->plain_hash)
        json_object_set_new(o, "plaintext_hash",
                            hex_upper(f->buf + b->plain_hash->value_off, b->plain_hash->len));
    return o;
}

json_t *json_file_header(const sbd_file *f)
{
    const sbd_header *h = &f->hdr;
    char iso[32];
    json_t *o = json_object();
    json_object_set_new(o, "version", json_sprintf("%u.%u", h->version_major, h->version_minor));
    json_object_set_new(o, "header_length", json_integer(h->header_length));
    if (h->has_signer_version)
        json_object_set_new(
            o, "signer_version",
            json_sprintf("%u.%u", h->signer_version_major, h->signer_version_minor));
    json_object_set_new(o, "signer", json_signer(f));
    json_object_set_new(o, "hash_algorithm",
                        h->digest_alg_elem ? hash_name(h->digest_alg) : json_null());
    json_object_set_new(o, "signature_algorithm", json_integer(h->signature_alg));
    json_object_set_new(o, "signature_length", json_integer(h->signature ? h->signature->len : 0));
    json_object_set_new(o, "filename", elem_string(f, h->filename));
    if (h->timestamp_elem) {
        json_object_set_new(o, "timestamp", json_integer(h->timestamp));
        json_object_set_new(o, "timestamp_iso",
                            json_string(sbd_time_iso(h->timestamp, iso, sizeof iso)));
    }
    json_object_set_new(o, "padding", json_integer(h->padding_count));
    json_object_set_new(o, "body_offset", json_integer(f->body_off));
    json_object_set_new(o, "body_length", json_integer(f->body_len));
    if (f->kind == SBD_KIND_ENC_SGN)
        json_object_set_new(o, "encryption", encryption_block(f));
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
        json_object_set_new(o, "container", json_true());
    if (!e->known)
        json_object_set_new(o, "unknown", json_true());
    return o;
}

json_t *json_file_header_elements(const sbd_file *f)
{
    json_t *a = json_array();
    for (size_t i = 0; i < f->n_header_elems; i++)
        json_array_append_new(a, elem_json(&f->elems[i]));
    return a;
}

static void record_cert_facts(json_t *o, const sbd_file *f, const sbd_record *r)
{
    sbd_cert_info ci;
    sbd_error err;
    char buf[2 * 32 + 1], iso[32];
    if (sbd_cert_info_from_der(f->buf + r->certificate->value_off, r->certificate->len, &ci,
                               &err) != SBD_OK) {
        json_object_set_new(o, "cert_error", json_string(err.msg));
        return;
    }
    json_object_set_new(o, "cert_sha1", json_string(sbd_hex_lower(ci.sha1, 20, buf, sizeof buf)));
    json_object_set_new(o, "cert_sha256",
                        json_string(sbd_hex_lower(ci.sha256, 32, buf, sizeof buf)));
    json_object_set_new(o, "not_before", json_string(sbd_time_iso(ci.not_before, iso, sizeof iso)));
    json_object_set_new(o, "not_after", json_string(sbd_time_iso(ci.not_after, iso, sizeof iso)));
    json_object_set_new(o, "key", json_sprintf("%s %d", ci.key_type, ci.key_bits));
}

static json_t *record_json(const sbd_file *f, size_t i, int with_elements)
{
    const sbd_record *r = &f->records[i];
    json_t *o = json_pack("{s:I, s:I, s:I}", "index", (json_int_t)i + 1, "offset",
                          (json_int_t)r->off, "length", (json_int_t)r->len);
    if (r->function_elem) {
        const char *fn = sbd_function_name(r->function);
        json_object_set_new(o, "function_code", json_integer(r->function));
        json_object_set_new(o, "function", fn ? json_string(fn) : json_sprintf("%u", r->function));
    } else {
        json_object_set_new(o, "function", json_null());
    }
    json_object_set_new(o, "dns_name", elem_string(f, r->dns_name));
    json_object_set_new(o, "subject", elem_string(f, r->subject));
    json_object_set_new(o, "issuer", elem_string(f, r->issuer));
    json_object_set_new(o, "serial", elem_serial(f, r->serial));
    if (r->ip_address && r->ip_address->len == 4) {
        const uint8_t *ip = f->buf + r->ip_address->value_off;
        json_object_set_new(o, "ip", json_sprintf("%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]));
    }
    if (r->cert_hash)
        json_object_set_new(o, "cert_hash",
                            hex_upper(f->buf + r->cert_hash->value_off, r->cert_hash->len));
    if (r->hash_alg_elem)
        json_object_set_new(o, "hash_algorithm", hash_name(r->hash_alg));
    json_object_set_new(o, "has_certificate", json_boolean(r->certificate != NULL));
    if (r->certificate)
        record_cert_facts(o, f, r);
    json_object_set_new(o, "is_signer", json_boolean(sbd_record_is_header_signer(f, r)));
    if (with_elements) {
        json_t *a = json_array();
        for (size_t k = 0; k < r->n_elems; k++)
            json_array_append_new(a, elem_json(&r->first_elem[k]));
        json_object_set_new(o, "elements", a);
    }
    return o;
}

json_t *json_file_records(const sbd_file *f, int with_elements)
{
    json_t *a = json_array();
    for (size_t i = 0; i < f->n_records; i++)
        json_array_append_new(a, record_json(f, i, with_elements));
    return a;
}

json_t *json_signature(const sbd_verify_result *vr, const sbd_file *signer_list)
{
    if (!vr)
        return json_pack("{s:s}", "status", "not_checked");
    json_t *o =
        json_pack("{s:s, s:s}", "status", sbd_sig_status_name(vr->status), "detail", vr->detail);
    if (vr->signer && signer_list)
        json_object_set_new(o, "signer_record", json_integer((json_int_t)vr->signer_index + 1));
    return o;
}
