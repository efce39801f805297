/* Shared pieces of the TVS test responder and client (see tvs_common.h). */
#include "tvs_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

void tvs_pdu_begin(tvs_pdu *p, uint8_t type, uint32_t session_id)
{
    /* Version 1 and header byte 3 = 0, as usecallmanager's tvsd sends. */
    const uint8_t header[SBD_TVS_HEADER_LEN] = {SBD_TVS_PROTO_ID,
                                                1,
                                                type,
                                                0,
                                                (uint8_t)(session_id >> 24),
                                                (uint8_t)(session_id >> 16),
                                                (uint8_t)(session_id >> 8),
                                                (uint8_t)session_id,
                                                0,
                                                0};
    memcpy(p->b, header, sizeof header);
    p->n = sizeof header;
}

bool tvs_pdu_add(tvs_pdu *p, uint8_t tag, const void *val, size_t len)
{
    if (len > 0xFFFF || p->n + 3 + len > TVS_MAX_PDU)
        return false;
    p->b[p->n] = tag;
    p->b[p->n + 1] = (uint8_t)(len >> 8);
    p->b[p->n + 2] = (uint8_t)len;
    if (len)
        memcpy(p->b + p->n + 3, val, len);
    p->n += 3 + len;
    return true;
}

void tvs_pdu_finish(tvs_pdu *p)
{
    size_t area = p->n - SBD_TVS_HEADER_LEN;
    p->b[8] = (uint8_t)(area >> 8);
    p->b[9] = (uint8_t)area;
}

/* 1 = filled, 0 = clean EOF before the first byte, -1 = error or EOF mid-way. */
static int read_exact(SSL *ssl, uint8_t *buf, size_t len, bool eof_ok)
{
    size_t got = 0;
    while (got < len) {
        size_t n = 0;
        if (SSL_read_ex(ssl, buf + got, len - got, &n) == 1) {
            got += n;
            continue;
        }
        int why = SSL_get_error(ssl, 0);
        if (why == SSL_ERROR_ZERO_RETURN && got == 0 && eof_ok)
            return 0;
        return -1;
    }
    return 1;
}

int tvs_read_pdu(SSL *ssl, tvs_pdu *p, const char *prog)
{
    int rc = read_exact(ssl, p->b, SBD_TVS_HEADER_LEN, true);
    if (rc <= 0) {
        if (rc < 0)
            tvs_print_ssl_errors(prog, "reading a TVS header");
        return rc;
    }
    long total = sbd_tvs_pdu_len(p->b, SBD_TVS_HEADER_LEN);
    if (total < SBD_TVS_HEADER_LEN) {
        fprintf(stderr, "%s: not a TVS PDU: first byte 0x%02x, expected 0x%02x\n", prog, p->b[0],
                SBD_TVS_PROTO_ID);
        return -1;
    }
    if (read_exact(ssl, p->b + SBD_TVS_HEADER_LEN, (size_t)total - SBD_TVS_HEADER_LEN, false) < 0) {
        fprintf(stderr, "%s: connection ended inside a %ld-byte TVS PDU\n", prog, total);
        return -1;
    }
    p->n = (size_t)total;
    return 1;
}

bool tvs_write_all(SSL *ssl, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        size_t n = 0;
        if (SSL_write_ex(ssl, buf + done, len - done, &n) != 1)
            return false;
        done += n;
    }
    return true;
}

bool tvs_split_hostport(const char *s, char *host, size_t hostsz, char *port, size_t portsz)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || colon[1] == '\0')
        return false;
    const char *h = s;
    size_t hlen = (size_t)(colon - s);
    if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    size_t plen = strlen(colon + 1);
    if (hlen == 0 || hlen >= hostsz || plen >= portsz)
        return false;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memcpy(port, colon + 1, plen + 1);
    return true;
}

bool tvs_ctx_set_version(SSL_CTX *ctx, int version)
{
    int v;
    switch (version) {
    case 0:
        return true;
    case 10:
        /* 7900-series phones: TLS 1.0 with AES256-SHA, below OpenSSL 3's default security level. */
        if (SSL_CTX_set_cipher_list(ctx, "AES256-SHA:AES128-SHA:@SECLEVEL=0") != 1)
            return false;
        v = TLS1_VERSION;
        break;
    case 12:
        v = TLS1_2_VERSION;
        break;
    case 13:
        v = TLS1_3_VERSION;
        break;
    default:
        return false;
    }
    return SSL_CTX_set_min_proto_version(ctx, v) == 1 && SSL_CTX_set_max_proto_version(ctx, v) == 1;
}

/* The key log must outlive every connection of the process, so it is process-wide. */
static FILE *keylog_fp;

static void keylog_line(const SSL *ssl, const char *line)
{
    (void)ssl;
    if (keylog_fp) {
        fprintf(keylog_fp, "%s\n", line);
        fflush(keylog_fp);
    }
}

bool tvs_ctx_keylog(SSL_CTX *ctx, const char *path, const char *prog)
{
    if (!path || !*path)
        path = getenv("SSLKEYLOGFILE");
    if (!path || !*path)
        return true;
    if (!keylog_fp) {
        keylog_fp = fopen(path, "a");
        if (!keylog_fp) {
            fprintf(stderr, "%s: cannot open key log %s\n", prog, path);
            return false;
        }
    }
    SSL_CTX_set_keylog_callback(ctx, keylog_line);
    return true;
}

void tvs_print_ssl_errors(const char *prog, const char *what)
{
    unsigned long e = ERR_get_error();
    if (!e) {
        fprintf(stderr, "%s: %s failed\n", prog, what);
        return;
    }
    for (; e; e = ERR_get_error()) {
        char text[256];
        ERR_error_string_n(e, text, sizeof text);
        fprintf(stderr, "%s: %s: %s\n", prog, what, text);
    }
}

void tvs_hex(const uint8_t *p, size_t n, char *out, size_t outsz)
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n && o + 2 < outsz; i++) {
        out[o++] = digits[p[i] >> 4];
        out[o++] = digits[p[i] & 15];
    }
    if (outsz)
        out[o] = '\0';
}

/* CUCM prints names most specific RDN first with ';' between them ("CN=x;OU=y;O=z"). */
static bool cisco_name(const X509_NAME *name, char *out, size_t outsz)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = X509_NAME_entry_count(name) - 1; i >= 0; i--) {
        const X509_NAME_ENTRY *ent = X509_NAME_get_entry(name, i);
        const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(ent);
        char key[80];
        int nid = OBJ_obj2nid(obj);
        const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
        if (sn)
            snprintf(key, sizeof key, "%s", sn);
        else
            OBJ_obj2txt(key, sizeof key, obj, 1);
        unsigned char *val = NULL;
        int vlen = ASN1_STRING_to_UTF8(&val, X509_NAME_ENTRY_get_data(ent));
        if (vlen < 0)
            return false;
        int w = snprintf(out + o, outsz - o, "%s%s=%.*s", o ? ";" : "", key, vlen, (char *)val);
        OPENSSL_free(val);
        if (w < 0 || (size_t)w >= outsz - o)
            return false;
        o += (size_t)w;
    }
    return true;
}

static bool serial_bytes(const X509 *x509, uint8_t *out, size_t outsz, size_t *len)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509), NULL);
    if (!bn)
        return false;
    int n = BN_num_bytes(bn);
    bool ok = n >= 0 && (size_t)n <= outsz;
    if (ok) {
        *len = (size_t)BN_bn2bin(bn, out);
        if (*len == 0) { /* serial 0: one zero byte, as it is encoded */
            out[0] = 0;
            *len = 1;
        }
    }
    BN_free(bn);
    return ok;
}

bool tvs_cert_from_x509(X509 *x509, tvs_cert *c)
{
    memset(c, 0, sizeof *c);
    c->x509 = x509;
    unsigned char *der = NULL;
    int n = i2d_X509(x509, &der);
    if (n <= 0)
        return false;
    c->der = der;
    c->der_len = (size_t)n;
    unsigned int mdlen = 0;
    return EVP_Digest(c->der, c->der_len, c->sha256, &mdlen, EVP_sha256(), NULL) == 1 &&
           cisco_name(X509_get_subject_name(x509), c->subject, sizeof c->subject) &&
           cisco_name(X509_get_issuer_name(x509), c->issuer, sizeof c->issuer) &&
           serial_bytes(x509, c->serial, sizeof c->serial, &c->serial_len);
}

void tvs_cert_free(tvs_cert *c)
{
    X509_free(c->x509);
    OPENSSL_free(c->der);
    memset(c, 0, sizeof *c);
}

bool tvs_cert_load(const char *path, tvs_cert *c, const char *prog)
{
    memset(c, 0, sizeof *c);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "%s: cannot open %s\n", prog, path);
        return false;
    }
    X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
    if (!x) {
        rewind(fp);
        x = d2i_X509_fp(fp, NULL);
    }
    fclose(fp);
    ERR_clear_error();
    if (!x) {
        fprintf(stderr, "%s: %s holds no certificate (PEM or DER)\n", prog, path);
        return false;
    }
    if (!tvs_cert_from_x509(x, c)) {
        fprintf(stderr, "%s: %s: cannot read the certificate's names or serial\n", prog, path);
        tvs_cert_free(c);
        return false;
    }
    return true;
}

/* Function codes, docs/formats.md section 3. */
static const struct {
    uint8_t code;
    const char *name;
} role_names[] = {
    {0, "SAST"}, {1, "CCM"},        {2, "CCM+TFTP"}, {3, "TFTP"},
    {4, "CAPF"}, {7, "APP-SERVER"}, {21, "TVS"},
};

static bool role_code(const char *word, size_t len, uint8_t *code)
{
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
        if (strlen(role_names[i].name) == len && strncmp(role_names[i].name, word, len) == 0) {
            *code = role_names[i].code;
            return true;
        }
    char num[8];
    if (len == 0 || len >= sizeof num)
        return false;
    memcpy(num, word, len);
    num[len] = '\0';
    char *end = NULL;
    unsigned long v = strtoul(num, &end, 10);
    if (*end != '\0' || v > 255)
        return false;
    *code = (uint8_t)v;
    return true;
}

bool tvs_roles_parse(const char *list, uint8_t *roles, size_t *n_roles)
{
    *n_roles = 0;
    if (strcmp(list, "-") == 0 || *list == '\0')
        return true;
    for (const char *p = list;;) {
        size_t len = strcspn(p, ",");
        if (*n_roles >= TVS_MAX_ROLES || !role_code(p, len, &roles[*n_roles]))
            return false;
        (*n_roles)++;
        if (p[len] == '\0')
            return true;
        p += len + 1;
    }
}

void tvs_roles_format(const uint8_t *roles, size_t n, char *out, size_t outsz)
{
    size_t o = 0;
    snprintf(out, outsz, "-");
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        for (size_t k = 0; k < sizeof role_names / sizeof role_names[0]; k++)
            if (role_names[k].code == roles[i])
                name = role_names[k].name;
        char num[4];
        if (!name) {
            snprintf(num, sizeof num, "%u", roles[i]);
            name = num;
        }
        int w = snprintf(out + o, outsz - o, "%s%s", i ? "," : "", name);
        if (w < 0 || (size_t)w >= outsz - o)
            return;
        o += (size_t)w;
    }
}
