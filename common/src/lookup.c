/* Reading values out of a parsed file and finding records: by function, by issuer + serial (how
 * the phone looks up a signer or a TVS server, "findByIssuerAndSerialAndRoleInTL"), by cert hash.
 */
#include <string.h>

#include <openssl/evp.h>

#include "sbd/file.h"
#include "sbd/utf8.h"
#include "sbd/names.h"

const uint8_t *sbd_elem_value(const sbd_file *f, const sbd_elem *e)
{
    return e ? f->buf + e->value_off : NULL;
}

/* Hostile strings: stop at the first NUL or the element end, keep printable ASCII and valid UTF-8,
 * turn everything else into '?', so output (terminal, JSON, HTML) always gets clean text. */
char *sbd_elem_string(const sbd_file *f, const sbd_elem *e, char *out, size_t outsz)
{
    if (outsz == 0)
        return out;
    size_t o = 0;
    if (e) {
        const uint8_t *v = f->buf + e->value_off;
        size_t n = e->len;
        for (size_t i = 0; i < n && v[i] != 0 && o + 1 < outsz;) {
            if (v[i] >= 0x20 && v[i] < 0x7F) {
                out[o++] = (char)v[i++];
                continue;
            }
            size_t sl = v[i] >= 0x80 ? sbd_utf8_len(v + i, n - i) : 0;
            if (sl && o + sl < outsz) {
                memcpy(out + o, v + i, sl);
                o += sl;
                i += sl;
            } else {
                out[o++] = '?';
                i++;
            }
        }
    }
    out[o] = '\0';
    return out;
}

char *sbd_elem_name(const sbd_file *f, const sbd_elem *e, char *out, size_t outsz)
{
    if (!e)
        return sbd_dn_render_str("", 0, out, outsz);
    return sbd_dn_render_str((const char *)f->buf + e->value_off, e->len, out, outsz);
}

bool sbd_file_is_ctl(const sbd_file *f)
{
    char name[256];
    sbd_elem_string(f, f->hdr.filename, name, sizeof name);
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    return strncasecmp(base, "CTL", 3) == 0;
}

bool sbd_serial_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    while (alen > 0 && *a == 0) {
        a++;
        alen--;
    }
    while (blen > 0 && *b == 0) {
        b++;
        blen--;
    }
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static bool serial_matches(const sbd_file *f, const sbd_record *r, const uint8_t *serial,
                           size_t serial_len)
{
    return r->serial &&
           sbd_serial_equal(f->buf + r->serial->value_off, r->serial->len, serial, serial_len);
}

/* The record's name is read from its element bytes (up to the first NUL), so no printable copy
 * can cut or alter it before the comparison. */
static bool record_issuer_is(const sbd_file *f, const sbd_record *r, const sbd_dn_key *issuer)
{
    const char *rec = r->issuer ? (const char *)f->buf + r->issuer->value_off : "";
    return sbd_dn_key_equal_n(issuer, rec, r->issuer ? r->issuer->len : 0);
}

static size_t first_index(const sbd_file *f, const sbd_record *after)
{
    return after ? (size_t)(after - f->records) + 1 : 0;
}

const sbd_record *sbd_find_by_function(const sbd_file *f, uint16_t function,
                                       const sbd_record *after)
{
    for (size_t i = first_index(f, after); i < f->n_records; i++)
        if (f->records[i].function_elem && f->records[i].function == function)
            return &f->records[i];
    return NULL;
}

const sbd_record *sbd_find_by_issuer_serial_n(const sbd_file *f, const char *issuer,
                                              size_t issuer_len, const uint8_t *serial,
                                              size_t serial_len, const sbd_record *after)
{
    sbd_dn_key key; /* parsed once, at the first record whose serial matches */
    bool parsed = false;
    for (size_t i = first_index(f, after); i < f->n_records; i++) {
        const sbd_record *r = &f->records[i];
        if (!serial_matches(f, r, serial, serial_len))
            continue;
        if (!issuer)
            return r;
        if (!parsed) {
            sbd_dn_key_init(&key, issuer, issuer_len);
            parsed = true;
        }
        if (record_issuer_is(f, r, &key))
            return r;
    }
    return NULL;
}

const sbd_record *sbd_find_by_issuer_serial(const sbd_file *f, const char *issuer,
                                            const uint8_t *serial, size_t serial_len,
                                            const sbd_record *after)
{
    return sbd_find_by_issuer_serial_n(f, issuer, issuer ? strlen(issuer) : 0, serial, serial_len,
                                       after);
}

static bool der_hash_equals(const uint8_t *der, size_t der_len, const uint8_t *hash,
                            size_t hash_len)
{
    const EVP_MD *md = hash_len == 20 ? EVP_sha1() : hash_len == 32 ? EVP_sha256() : NULL;
    if (!md)
        return false;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    if (!EVP_Digest(der, der_len, digest, &dlen, md, NULL))
        return false;
    return dlen == hash_len && memcmp(digest, hash, hash_len) == 0;
}

const sbd_record *sbd_find_by_cert_hash(const sbd_file *f, const uint8_t *hash, size_t hash_len,
                                        const sbd_record *after)
{
    for (size_t i = first_index(f, after); i < f->n_records; i++) {
        const sbd_record *r = &f->records[i];
        if (r->cert_hash && r->cert_hash->len == hash_len &&
            memcmp(f->buf + r->cert_hash->value_off, hash, hash_len) == 0)
            return r;
        if (r->certificate && der_hash_equals(f->buf + r->certificate->value_off,
                                              r->certificate->len, hash, hash_len))
            return r;
    }
    return NULL;
}

bool sbd_record_is_header_signer(const sbd_file *f, const sbd_record *r)
{
    const sbd_elem *serial = f->hdr.signer_serial;
    if (!serial)
        return false;
    if (!serial_matches(f, r, f->buf + serial->value_off, serial->len))
        return false;
    const sbd_elem *ca = f->hdr.ca_name;
    if (!ca)
        return true;
    const char *rec = r->issuer ? (const char *)f->buf + r->issuer->value_off : "";
    return sbd_dn_equal_n(rec, r->issuer ? r->issuer->len : 0, (const char *)f->buf + ca->value_off,
                          ca->len);
}
