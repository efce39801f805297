/* Certificate facts for sbdgen (see gen_cert.h). */
#include "gen_cert.h"

#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

static void append(char *out, size_t outsz, const char *s)
{
    size_t used = strlen(out);
    if (used + 1 < outsz)
        snprintf(out + used, outsz - used, "%s", s);
}

/* Does a value need quotes in a CUCM-style name? The seeds' CTL names quote values with padding
 * spaces (cn="SAST-ADN008580ef        "); a separator, quote or backslash needs them too. */
static int needs_quotes(const char *v, size_t n)
{
    if (n > 0 && (v[0] == ' ' || v[n - 1] == ' '))
        return 1;
    return strpbrk(v, ",;/+=\"\\<>#") != NULL;
}

/* CUCM style quotes such a value the way Windows' name strings do (the CTL client's eToken names):
 * a quote inside is doubled, a backslash stays as it is. UCM style writes values as they are. */
static void append_value(const char *v, gen_name_style style, char *out, size_t outsz)
{
    size_t n = strlen(v);
    if (style != NAME_STYLE_CUCM || !needs_quotes(v, n)) {
        append(out, outsz, v);
        return;
    }
    append(out, outsz, "\"");
    for (size_t i = 0; i < n; i++) {
        char c[2] = {v[i], 0};
        append(out, outsz, v[i] == '"' ? "\"\"" : c);
    }
    append(out, outsz, "\"");
}

static void append_entry(const X509_NAME_ENTRY *e, gen_name_style style, char *out, size_t outsz)
{
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
    const char *sn = nid == NID_undef ? "UNKNOWN" : OBJ_nid2sn(nid);
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    append(out, outsz, sn);
    append(out, outsz, "=");
    if (n > 0)
        append_value((const char *)utf8, style, out, outsz);
    OPENSSL_free(utf8);
}

void gen_name_format(const X509_NAME *name, gen_name_style style, char *out, size_t outsz)
{
    int count = X509_NAME_entry_count(name);
    const char *sep = style == NAME_STYLE_CUCM ? ";" : ",";
    out[0] = '\0';
    for (int i = 0; i < count; i++) {
        /* DER lists the least specific RDN (C) first; CUCM prints CN first. */
        int idx = style == NAME_STYLE_CUCM ? count - 1 - i : i;
        if (i > 0)
            append(out, outsz, sep);
        append_entry(X509_NAME_get_entry(name, idx), style, out, outsz);
    }
}

static int load_serial(gen_cert *c)
{
    const ASN1_INTEGER *sn = X509_get0_serialNumber(c->x509);
    /* ASN1_INTEGER keeps the magnitude, so a DER 0x00 sign byte is already gone. */
    int n = ASN1_STRING_length(sn);
    if (n <= 0 || (size_t)n > sizeof c->serial)
        return -1;
    memcpy(c->serial, ASN1_STRING_get0_data(sn), (size_t)n);
    c->serial_len = (size_t)n;
    return 0;
}

static int load_public_key(gen_cert *c)
{
    EVP_PKEY *pk = X509_get0_pubkey(c->x509);
    unsigned char *p = NULL;
    int n = pk ? i2d_PublicKey(pk, &p) : -1;
    if (n <= 0)
        return -1;
    c->public_key = p;
    c->public_key_len = (size_t)n;
    return 0;
}

static int load_der(gen_cert *c)
{
    unsigned char *p = NULL;
    int n = i2d_X509(c->x509, &p);
    if (n <= 0)
        return -1;
    c->der = p;
    c->der_len = (size_t)n;
    return 0;
}

int gen_cert_load(const char *path, gen_name_style style, gen_cert *c)
{
    memset(c, 0, sizeof *c);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "sbdgen: cannot open certificate %s\n", path);
        return -1;
    }
    c->x509 = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    if (!c->x509 || load_der(c) || load_serial(c) || load_public_key(c)) {
        fprintf(stderr, "sbdgen: %s: not a usable PEM certificate\n", path);
        gen_cert_free(c);
        return -1;
    }
    gen_name_format(X509_get_subject_name(c->x509), style, c->subject, sizeof c->subject);
    gen_name_format(X509_get_issuer_name(c->x509), style, c->issuer, sizeof c->issuer);
    const ASN1_BIT_STRING *sig = NULL;
    X509_get0_signature(&sig, NULL, c->x509);
    c->cert_signature = ASN1_STRING_get0_data(sig);
    c->cert_signature_len = (size_t)ASN1_STRING_length(sig);
    return 0;
}

void gen_cert_free(gen_cert *c)
{
    X509_free(c->x509);
    OPENSSL_free(c->der);
    OPENSSL_free(c->public_key);
    memset(c, 0, sizeof *c);
}

EVP_PKEY *gen_key_load(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "sbdgen: cannot open key %s\n", path);
        return NULL;
    }
    EVP_PKEY *k = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
    fclose(fp);
    if (!k)
        fprintf(stderr, "sbdgen: %s: not a PEM private key\n", path);
    return k;
}
