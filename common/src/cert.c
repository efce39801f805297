/* X.509 facts from DER via OpenSSL: CUCM-style names, validity, serial, key, fingerprints. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "digest.h"
#include "sbd/cert.h"
#include "sbd/names.h"

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

char *sbd_hex_serial(const uint8_t *serial, size_t len, sbd_serial_form form, char *out,
                     size_t outsz)
{
    return hex_bytes(serial, len, "0123456789ABCDEF", form == SBD_SERIAL_SHOWN ? ':' : 0, out,
                     outsz);
}

int sbd_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *sbd_hex_lower(const uint8_t *p, size_t len, char *out, size_t outsz)
{
    return hex_bytes(p, len, "0123456789abcdef", 0, out, outsz);
}

/* ---- names ---- */

/* The one rendering (sbd/names.h): CN first, RFC 4514 escaped, parses back to the DER name. */
static void format_name(const X509_NAME *name, char *out, size_t outsz)
{
    sbd_dn dn;
    out[0] = '\0';
    if (!sbd_dn_from_x509(name, &dn))
        snprintf(out, outsz, "(name over %d attributes or %d bytes)", SBD_DN_MAX_AVAS,
                 SBD_DN_MAX_TEXT);
    else
        sbd_dn_render(&dn, out, outsz);
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
