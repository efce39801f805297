/* X.509 facts from DER via OpenSSL: CUCM-style names, validity, serial, key, fingerprints. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "digest.h"
#include "sbd/cert.h"

/* ---- calendar arithmetic on int64 (no time_t: it may be 32-bit, and timegm is not C11) ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t tm_to_unix(const struct tm *tm)
{
    int64_t days = days_from_civil((int64_t)tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday);
    return days * 86400 + tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec;
}

/* ASN1_TIME_to_tm parses both UTCTime (1950-2049) and GeneralizedTime (any 4-digit year). */
static bool asn1_time_to_unix(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return false;
    *out = tm_to_unix(&tm);
    return true;
}

char *sbd_time_iso(int64_t t, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return out;
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, outsz, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
    return out;
}

/* ---- hex helpers ---- */

static char *hex_bytes(const uint8_t *p, size_t len, const char *digits, char sep, char *out,
                       size_t outsz)
{
    if (!out || outsz == 0)
        return out;
    size_t o = 0;
    for (size_t i = 0; i < len && p; i++) {
        size_t need = 2 + (sep && i > 0 ? 1 : 0);
        if (o + need + 1 > outsz)
            break; /* truncate whole bytes only */
        if (sep && i > 0)
            out[o++] = sep;
        out[o++] = digits[p[i] >> 4];
        out[o++] = digits[p[i] & 15];
    }
    out[o] = '\0';
    return out;
}

char *sbd_hex_serial(const uint8_t *serial, size_t len, bool colons, char *out, size_t outsz)
{
    return hex_bytes(serial, len, "0123456789ABCDEF", colons ? ':' : 0, out, outsz);
}

char *sbd_hex_lower(const uint8_t *p, size_t len, char *out, size_t outsz)
{
    return hex_bytes(p, len, "0123456789abcdef", 0, out, outsz);
}

/* ---- names ---- */

typedef struct {
    char *buf;
    size_t size, len;
} strbuf;

/* Appends what fits; never splits a UTF-8 sequence, so a truncated name stays valid text. */
static void sb_put(strbuf *sb, const char *s, size_t n)
{
    size_t room = sb->size - 1 - sb->len;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

/* RFC 4514 escaping, so the name parses back to the same value for sbd_dn_equal (sbd/names.h);
 * control bytes as \XX keep reports on one line and a NUL from cutting the name short. */
static void sb_put_value(strbuf *sb, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        char e[3] = {'\\', (char)s[i], 0};
        if (s[i] < 0x20 || s[i] == 0x7F) {
            e[1] = hex[s[i] >> 4];
            e[2] = hex[s[i] & 15];
            sb_put(sb, e, 3);
        } else if (strchr("\"+,;<>\\=", s[i]) || ((s[i] == ' ' || s[i] == '#') && i == 0) ||
                   (s[i] == ' ' && i + 1 == n)) {
            sb_put(sb, e, 2);
        } else {
            sb_put(sb, e + 1, 1);
        }
    }
}

static void put_entry(strbuf *sb, const X509_NAME_ENTRY *e)
{
    const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
    int nid = OBJ_obj2nid(obj);
    char oid[80];
    const char *key = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
    if (!key) {
        if (OBJ_obj2txt(oid, sizeof oid, obj, 1) <= 0)
            snprintf(oid, sizeof oid, "?");
        key = oid;
    }
    sb_put(sb, key, strlen(key));
    sb_put(sb, "=", 1);
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (n >= 0)
        sb_put_value(sb, utf8, (size_t)n);
    else
        sb_put(sb, "?", 1);
    OPENSSL_free(utf8);
}

/* How general an attribute is: country/domain first, common name last; -1 when unknown. */
static int rdn_rank(const X509_NAME_ENTRY *e)
{
    switch (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e))) {
    case NID_countryName:
    case NID_domainComponent:
        return 0;
    case NID_stateOrProvinceName:
        return 1;
    case NID_localityName:
        return 2;
    case NID_organizationName:
        return 3;
    case NID_organizationalUnitName:
        return 4;
    case NID_commonName:
    case NID_userId:
    case NID_pkcs9_emailAddress:
    case NID_serialNumber:
        return 5;
    default:
        return -1;
    }
}

/* CUCM prints most specific first. Conventional DER order is C..CN, so that means reversing;
 * but some producers already write CN first, and reversing those would put C first. */
static bool der_order_is_general_first(const X509_NAME *name)
{
    int n = X509_NAME_entry_count(name);
    if (n < 2)
        return true;
    int first = rdn_rank(X509_NAME_get_entry(name, 0));
    int last = rdn_rank(X509_NAME_get_entry(name, n - 1));
    return !(first >= 0 && last >= 0 && first > last);
}

static void format_name(const X509_NAME *name, char *out, size_t outsz)
{
    strbuf sb = {out, outsz, 0};
    out[0] = '\0';
    if (!name)
        return;
    int n = X509_NAME_entry_count(name);
    bool reverse = der_order_is_general_first(name);
    int prev_set = -1;
    for (int k = 0; k < n; k++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, reverse ? n - 1 - k : k);
        int set = X509_NAME_ENTRY_set(e);
        if (k > 0)
            sb_put(&sb, set == prev_set ? "+" : ";", 1); /* '+' joins a multi-valued RDN */
        put_entry(&sb, e);
        prev_set = set;
    }
}

/* ---- key ---- */

static void describe_key(X509 *x, sbd_cert_info *out)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    const char *type = "unknown";
    if (pk) {
        switch (EVP_PKEY_get_base_id(pk)) {
        case EVP_PKEY_RSA:
            type = "RSA";
            break;
        case EVP_PKEY_RSA_PSS:
            type = "RSA-PSS";
            break;
        case EVP_PKEY_EC:
            type = "EC";
            break;
        case EVP_PKEY_ED25519:
            type = "ED25519";
            break;
        case EVP_PKEY_ED448:
            type = "ED448";
            break;
        case EVP_PKEY_DSA:
            type = "DSA";
            break;
        default:
            break;
        }
        out->key_bits = EVP_PKEY_get_bits(pk);
    }
    snprintf(out->key_type, sizeof out->key_type, "%s", type);
}

static sbd_status fill_serial(X509 *x, sbd_cert_info *out, sbd_error *err)
{
    /* OpenSSL keeps the magnitude without the DER sign byte; strip any other leading zeros. */
    const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
    const uint8_t *p = ASN1_STRING_get0_data(sn);
    size_t n = (size_t)ASN1_STRING_length(sn);
    while (n > 1 && p[0] == 0) {
        p++;
        n--;
    }
    if (n > sizeof out->serial)
        return sbd_fail(err, SBD_LIMIT, 0, "certificate serial is %zu bytes (max %zu)", n,
                        sizeof out->serial);
    if (n > 0)
        memcpy(out->serial, p, n);
    out->serial_len = n;
    return SBD_OK;
}

sbd_status sbd_cert_info_from_der(const uint8_t *der, size_t len, sbd_cert_info *out,
                                  sbd_error *err)
{
    if (!out)
        return sbd_fail(err, SBD_MALFORMED, 0, "no output");
    memset(out, 0, sizeof *out);
    if (!der || len == 0)
        return sbd_fail(err, SBD_TRUNCATED, 0, "empty certificate");
    if (len > LONG_MAX)
        return sbd_fail(err, SBD_LIMIT, 0, "certificate too large");
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x) {
        ERR_clear_error();
        return sbd_fail(err, SBD_MALFORMED, 0, "not a DER X.509 certificate (%zu bytes)", len);
    }
    size_t used = (size_t)(p - der);
    sbd_status st = SBD_OK;
    if (used != len) {
        st = sbd_fail(err, SBD_MALFORMED, used, "%zu bytes after the certificate", len - used);
        goto done;
    }
    format_name(X509_get_subject_name(x), out->subject, sizeof out->subject);
    format_name(X509_get_issuer_name(x), out->issuer, sizeof out->issuer);
    st = fill_serial(x, out, err);
    if (st != SBD_OK)
        goto done;
    if (!asn1_time_to_unix(X509_get0_notBefore(x), &out->not_before) ||
        !asn1_time_to_unix(X509_get0_notAfter(x), &out->not_after)) {
        st = sbd_fail(err, SBD_MALFORMED, 0, "certificate validity time unreadable");
        goto done;
    }
    describe_key(x, out);
    if (!sbd_digest(sbd_md5(), der, len, out->md5) ||
        !sbd_digest(sbd_sha1(), der, len, out->sha1) ||
        !sbd_digest(sbd_sha256(), der, len, out->sha256))
        st = sbd_fail(err, SBD_CRYPTO, 0, "digest of the certificate failed");
done:
    X509_free(x);
    if (st != SBD_OK) {
        memset(out, 0, sizeof *out);
    }
    return st;
}
