/* `show itl` / `show ctl` compatible listing (docs/formats.md section 9, seed 000). Engineers
 * compare this output with what CUCM prints, so Cisco's wording and misspellings are kept on
 * purpose. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "sbd/listing.h"
#include "sbd/cert.h"
#include "sbd/rd.h"

typedef struct listing {
    FILE *out;
    const sbd_file *f;
    const char *what; /* "ITL", "CTL" or "signed" */
} listing;

static void print_digest(FILE *out, const uint8_t *buf, size_t len, const EVP_MD *md,
                         const char *tag)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(buf, len, d, &n, md, NULL))
        return;
    for (unsigned int i = 0; i < n; i++)
        fprintf(out, "%02x", d[i]);
    fprintf(out, "(%s)\n", tag);
}

static void print_preamble(const listing *l, long long mtime)
{
    fprintf(l->out, "The checksum value of the %s file:\n", l->what);
    print_digest(l->out, l->f->buf, l->f->len, EVP_md5(), "MD5");
    print_digest(l->out, l->f->buf, l->f->len, EVP_sha1(), "SHA1");
    fprintf(l->out, "Length of %s file: %zu\n", l->what, l->f->len);
    if (mtime >= 0) {
        time_t t = (time_t)mtime;
        struct tm tm;
        char when[64];
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%a %b %d %H:%M:%S UTC %Y", &tm);
        fprintf(l->out, "The %s File was last modified on %s\n", l->what, when);
    }
    fprintf(l->out, "Parse %s File\n----------------\n", l->what);
    fprintf(l->out, "Version:\t%u.%u\n", l->f->hdr.version_major, l->f->hdr.version_minor);
    fprintf(l->out, "HeaderLength:\t%u (BYTES)\n", l->f->hdr.header_length);
}

static void print_table_head(FILE *out)
{
    fputs("BYTEPOS\tTAG\t\tLENGTH\tVALUE\n-------\t---\t\t------\t-----\n", out);
}

/* A serial in the shown form (sbd_hex_serial), whatever its length: a hostile one longer than any
 * certificate's is printed whole, a run of bytes at a time. */
static void print_serial(FILE *out, const uint8_t *p, size_t n)
{
    char text[SBD_SERIAL_TEXT_MAX];
    for (size_t i = 0; i < n; i += 64) {
        if (i)
            fputc(':', out);
        fputs(sbd_hex_serial(p + i, n - i < 64 ? n - i : 64, SBD_SERIAL_SHOWN, text, sizeof text),
              out);
    }
}

/* Uppercase hex bytes joined by sep (hashes: ' '). */
static void print_hex_upper(FILE *out, const uint8_t *p, size_t n, char sep)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(sep, out);
        fprintf(out, "%02X", p[i]);
    }
}

static void print_signature_dump(FILE *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "\t%x%s", p[i], i % 8 == 7 || i + 1 == n ? "\n" : "");
}

static void print_string_value(const listing *l, const sbd_elem *e)
{
    char s[1024];
    fputs(sbd_elem_string(l->f, e, s, sizeof s), l->out);
}

static void print_header_value(const listing *l, const sbd_elem *e)
{
    const uint8_t *v = l->f->buf + e->value_off;
    switch (e->tag) {
    case SBD_HT_SIGNER_NAME:
    case SBD_HT_CA_NAME:
        print_string_value(l, e);
        break;
    case SBD_HT_SERIAL:
        print_serial(l->out, v, e->len);
        break;
    case SBD_HT_SIGNER_VERSION:
        fprintf(l->out, "%u.%u", v[0], v[1]);
        break;
    case SBD_HT_PAD_COUNT:
    case SBD_HT_KEY_SIZE:
        fprintf(l->out, "%u", sbd_be16(v));
        break;
    case SBD_HT_KEY_ALG:
    case SBD_HT_PLAIN_HASH_ALG:
    case SBD_HT_IV_UNKNOWN:
    case SBD_HT_KEY_UNKNOWN:
        fprintf(l->out, "%u", v[0]);
        break;
    case SBD_HT_IV:
    case SBD_HT_PLAIN_HASH:
        print_hex_upper(l->out, v, e->len, ' ');
        break;
    default:
        break; /* Cisco prints no value for 8, 10, 11, 14, 15 */
    }
}

static void print_header_rows(const listing *l)
{
    print_table_head(l->out);
    for (size_t i = 0; i < l->f->n_header_elems; i++) {
        const sbd_elem *e = &l->f->elems[i];
        if (e->padding || e->tag == SBD_HT_VERSION || e->tag == SBD_HT_HEADER_LENGTH)
            continue;
        const char *name = sbd_header_tag_name(e->tag);
        if (e->container) {
            fprintf(l->out, "%u\t%s\t2\t%u\n", e->tag, name, e->len);
            continue;
        }
        fprintf(l->out, "%u\t%s\t%u\t", e->tag, name ? name : "UNKNOWN", e->len);
        print_header_value(l, e);
        fputc('\n', l->out);
        if (e->tag == SBD_HT_SIGNATURE)
            print_signature_dump(l->out, l->f->buf + e->value_off, e->len);
    }
}

static void print_cert_sha1(FILE *out, const uint8_t *der, size_t len)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(der, len, d, &n, EVP_sha1(), NULL))
        return;
    print_hex_upper(out, d, n, ' ');
    fputs(" (SHA1 Hash HEX)", out);
}

static void print_record_value(const listing *l, const sbd_record *r, const sbd_elem *e)
{
    const uint8_t *v = l->f->buf + e->value_off;
    switch (e->tag) {
    case SBD_RT_RECORD_LENGTH:
        fprintf(l->out, "%u", sbd_be16(v));
        break;
    case SBD_RT_DNS_NAME:
    case SBD_RT_SUBJECT:
    case SBD_RT_ISSUER:
        print_string_value(l, e);
        break;
    case SBD_RT_FUNCTION: {
        const char *fn = sbd_function_name(r->function);
        if (fn)
            fputs(fn, l->out);
        else
            fprintf(l->out, "%u", sbd_be16(v));
        break;
    }
    case SBD_RT_SERIAL:
        print_serial(l->out, v, e->len);
        break;
    case SBD_RT_CERTIFICATE:
        print_cert_sha1(l->out, v, e->len);
        break;
    case SBD_RT_CERT_HASH:
        print_hex_upper(l->out, v, e->len, ' ');
        break;
    case SBD_RT_HASH_ALG: {
        const char *hn = sbd_hash_name(v[0]);
        if (hn)
            fputs(hn, l->out);
        else
            fprintf(l->out, "%u", v[0]);
        break;
    }
    default:
        break; /* Cisco prints no value for 7, 8, 10 */
    }
}

static void print_record(const listing *l, size_t index, const sbd_record *r)
{
    fprintf(l->out, "%s Record #:%zu\n----\n", l->what, index + 1);
    print_table_head(l->out);
    for (size_t i = 0; i < r->n_elems; i++) {
        const sbd_elem *e = &r->first_elem[i];
        const char *name = sbd_record_tag_name(e->tag);
        fprintf(l->out, "%u\t%s\t%u\t", e->tag, name ? name : "UNKNOWN", e->len);
        print_record_value(l, r, e);
        fputc('\n', l->out);
    }
    if (r->function_elem && r->function == SBD_FN_SAST)
        fprintf(l->out, "This etoken %s used to sign the %s file.\n",
                sbd_record_is_header_signer(l->f, r) ? "was" : "was not", l->what);
}

static void print_body_summary(const listing *l)
{
    fprintf(l->out, "Payload:\t%" PRIu32 " bytes at offset %" PRIu32 "\n", l->f->body_len,
            l->f->body_off);
}

static void print_verdict(const listing *l, const sbd_verify_result *vr)
{
    if (!vr) {
        fprintf(l->out, "The %s file was not verified.\n", l->what);
        return;
    }
    if (vr->status == SBD_SIG_VALID) {
        fprintf(l->out, "The %s file was verified successfully.\n", l->what);
        return;
    }
    fprintf(l->out, "Verification of the %s file failed.\n", l->what);
    if (vr->detail[0])
        fprintf(l->out, "Reason: %s (%s)\n", vr->detail, sbd_sig_status_name(vr->status));
}

void sbd_listing_print(FILE *out, const sbd_file *f, const sbd_verify_result *vr, long long mtime)
{
    listing l = {out, f, "signed"};
    if (f->kind == SBD_KIND_TRUST_LIST)
        l.what = sbd_file_is_ctl(f) ? "CTL" : "ITL";
    print_preamble(&l, mtime);
    print_header_rows(&l);
    for (size_t i = 0; i < f->n_records; i++)
        print_record(&l, i, &f->records[i]);
    if (f->kind != SBD_KIND_TRUST_LIST)
        print_body_summary(&l);
    print_verdict(&l, vr);
}
