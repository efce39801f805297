/* `pcapscan show FILE...`: list and verify ITL/CTL/.sgn/.enc.sgn files as CUCM's `show itl` does.
 * Exit 0 verified (or nothing to verify), 1 verification failed, 2 unreadable/unparsable input. */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "lib/escape.h"
#include "report/json_file.h"
#include "sbd/enc.h"
#include "sbd/listing.h"
#include "sbd/trust.h"
#include "sbd/verify.h"
#include "cli/show.h"
#include "lib/util.h"

/* Trust files are tens of KB; a bound keeps a wrong argument (a capture, /dev/zero) harmless. */
#define SHOW_MAX_FILE (64u * 1024 * 1024)

typedef struct show_opts {
    int json;
    const char *trust_path;
    const char *key_path;
    const char *decrypt_out;
} show_opts;

typedef struct loaded {
    uint8_t *buf;
    size_t len;
    long long mtime;
    sbd_file f;
} loaded;

/* "pcapscan: PATH: message" with both through esc_term: the path may come from a glob over a
 * folder other people write to. */
static void say(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    flockfile(stderr);
    fputs("pcapscan: ", stderr);
    esc_term(stderr, path);
    fputs(": ", stderr);
    esc_term(stderr, msg);
    fputc('\n', stderr);
    funlockfile(stderr);
}

static int load_file(const char *path, loaded *l)
{
    char err[256];
    memset(l, 0, sizeof *l);
    if (util_read_file(path, SHOW_MAX_FILE, &l->buf, &l->len, &l->mtime, err, sizeof err) != 0) {
        say(path, "%s", err);
        return 2;
    }
    sbd_error pe = {0};
    if (sbd_file_parse(l->buf, l->len, SBD_KIND_AUTO, &l->f, &pe) != SBD_OK) {
        say(path, "byte offset %zu: %s (%s)", pe.offset, pe.msg, sbd_status_name(pe.code));
        free(l->buf);
        l->buf = NULL;
        return 2;
    }
    return 0;
}

static void unload(loaded *l)
{
    sbd_file_free(&l->f);
    free(l->buf);
    l->buf = NULL;
}

static int exit_for(const sbd_verify_result *vr)
{
    return !vr || vr->status == SBD_SIG_VALID ? 0 : 1;
}

/* Decrypt an .enc.sgn; plaintext to `out_path`, or to stdout when out_path is NULL. */
static int decrypt_to(const char *path, const loaded *l, const show_opts *o, json_t *jo)
{
    uint8_t *key = NULL;
    size_t key_len = 0;
    char err[256];
    if (util_read_file(o->key_path, 1u << 20, &key, &key_len, NULL, err, sizeof err) != 0) {
        say(o->key_path, "%s", err);
        return 2;
    }
    sbd_plain plain = {0};
    sbd_error de = {0};
    sbd_status st = sbd_enc_decrypt(&l->f, (const char *)key, key_len, &plain, &de);
    free(key);
    if (st != SBD_OK) {
        say(path, "decrypt failed at byte offset %zu: %s", de.offset, de.msg);
        return 1;
    }
    int rc = plain.digest_checked && !plain.digest_ok ? 1 : 0;
    if (rc)
        say(path, "decrypted text does not match the header digest");
    if (o->decrypt_out &&
        util_write_file(o->decrypt_out, plain.data, plain.len, err, sizeof err) != 0) {
        say(o->decrypt_out, "%s", err);
        rc = 2;
    } else if (!o->decrypt_out && !o->json) {
        fwrite(plain.data, 1, plain.len, stdout);
    }
    if (jo)
        esc_json_set(jo, "decrypted",
                     json_pack("{s:I, s:b, s:b}", "length", (json_int_t)plain.len, "digest_checked",
                               plain.digest_checked, "digest_ok", plain.digest_ok));
    sbd_plain_free(&plain);
    return rc;
}

/* Who signed a trust list, which dates the cluster: CallManager.pem signs the ITLs of CUCM 8.x to
 * 11.5 (and tokenless CTLs), the ITLRecovery key every ITL from 12.0 and, before 12.0, the ITL of a
 * bulk reset (utils itl reset); anything else with the SAST role is a token. */
typedef enum { SIGNER_NONE, SIGNER_ITL_RECOVERY, SIGNER_CALLMANAGER, SIGNER_SAST } signer_kind;

static const char *const signer_words[] = {"unknown", "itl_recovery", "callmanager", "sast"};

static bool same_elem(const sbd_file *f, const sbd_elem *a, const sbd_elem *b)
{
    return a && b && a->len == b->len &&
           memcmp(f->buf + a->value_off, f->buf + b->value_off, a->len) == 0;
}

static signer_kind signer_kind_of(const sbd_file *f, const sbd_verify_result *vr)
{
    if (!vr || !vr->signer || f->kind != SBD_KIND_TRUST_LIST)
        return SIGNER_NONE;
    if (sbd_trust_record_is_itl_recovery(f, vr->signer))
        return SIGNER_ITL_RECOVERY;
    for (size_t i = 0; i < f->n_records; i++) {
        const sbd_record *r = &f->records[i];
        if (r->function_elem && r->function == SBD_FN_CCM_TFTP &&
            same_elem(f, r->serial, vr->signer->serial) &&
            same_elem(f, r->issuer, vr->signer->issuer))
            return SIGNER_CALLMANAGER;
    }
    return SIGNER_SAST;
}

static const char *signer_text(signer_kind k, bool ctl)
{
    switch (k) {
    case SIGNER_ITL_RECOVERY:
        return ctl ? "the ITLRecovery certificate"
                   : "the ITLRecovery certificate (how CUCM 12.0+ signs every ITL; before 12.0, "
                     "a bulk ITL reset)";
    case SIGNER_CALLMANAGER:
        return ctl ? "the CallManager certificate (a tokenless CTL, CUCM 10.0+)"
                   : "the CallManager certificate (how CUCM 8.x-11.5 signs ITLs)";
    case SIGNER_SAST:
        return ctl ? "a security token (SAST record that is no CallManager record)"
                   : "a SAST record that is neither CallManager nor ITLRecovery";
    default:
        return "not known (no record matches the header's signer)";
    }
}

/* After the listing: the ITLRecovery records and the signer, the two facts an engineer needs for
 * a locked-out phone (utils itl reset works only when the held ITL lists ITLRecovery). */
static void print_trust_summary(const loaded *l, const sbd_verify_result *vr)
{
    const sbd_file *f = &l->f;
    if (f->kind != SBD_KIND_TRUST_LIST)
        return;
    int n = 0;
    fputs("ITLRecovery records:\t", stdout);
    for (size_t i = 0; i < f->n_records; i++) {
        if (!sbd_trust_record_is_itl_recovery(f, &f->records[i]))
            continue;
        char subject[512];
        sbd_elem_string(f, f->records[i].subject, subject, sizeof subject);
        printf("%srecord %zu ", n++ ? ", " : "", i + 1);
        esc_term(stdout, subject);
    }
    fputs(n ? "\n" : "none\n", stdout);
    signer_kind k = signer_kind_of(f, vr);
    if (k == SIGNER_NONE)
        printf("Signer:\t%s\n", signer_text(k, sbd_file_is_ctl(f)));
    else
        printf("Signer:\trecord %zu, %s\n", vr->signer_index + 1,
               signer_text(k, sbd_file_is_ctl(f)));
}

static json_t *trust_summary_json(const loaded *l, const sbd_verify_result *vr)
{
    json_t *recs = json_array();
    for (size_t i = 0; recs && i < l->f.n_records; i++)
        if (sbd_trust_record_is_itl_recovery(&l->f, &l->f.records[i]))
            json_array_append_new(recs, json_integer((json_int_t)i + 1));
    return json_pack("{s:o*, s:s}", "itl_recovery_records", recs, "signer_kind",
                     signer_words[signer_kind_of(&l->f, vr)]);
}

static json_t *file_json(const char *path, const loaded *l, const sbd_verify_result *vr,
                         const loaded *trust)
{
    json_t *o = json_pack("{s:o, s:s, s:I}", "file", esc_json_str(path), "kind",
                          json_kind_word(&l->f), "size", (json_int_t)l->len);
    json_set_digests(o, l->buf, l->len);
    esc_json_set(o, "header", json_file_header(&l->f));
    esc_json_set(o, "header_elements", json_file_header_elements(&l->f));
    esc_json_set(o, "records", json_file_records(&l->f, 1));
    esc_json_set(o, "unknown_elements", json_integer((json_int_t)l->f.n_unknown));
    esc_json_set(o, "signature", json_signature(vr, trust ? &trust->f : &l->f));
    if (l->f.kind == SBD_KIND_TRUST_LIST)
        esc_json_set(o, "trust_list", trust_summary_json(l, vr));
    return o;
}

/* The listing through esc_term, field by field: record subjects and names come from the file;
 * the tabs and newlines between fields are the listing's own (the core turns control bytes in
 * file strings into '?'). */
static void print_listing(const loaded *l, const sbd_verify_result *vrp)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        fputs("pcapscan: out of memory\n", stderr);
        return;
    }
    sbd_listing_print(mem, &l->f, vrp, l->mtime);
    if (fclose(mem) == 0)
        for (char *field = text; field && *field;) {
            size_t n = strcspn(field, "\t\n");
            char sep = field[n];
            field[n] = '\0';
            esc_term(stdout, field);
            if (sep)
                fputc(sep, stdout);
            field = sep ? field + n + 1 : NULL;
        }
    free(text);
}

static int show_one(const char *path, const show_opts *o, const loaded *trust)
{
    loaded l;
    int rc = load_file(path, &l);
    if (rc)
        return rc;
    sbd_verify_result vr = {0};
    const sbd_verify_result *vrp = NULL;
    if (l.f.kind == SBD_KIND_TRUST_LIST) {
        sbd_verify_trust_list(&l.f, &vr);
        vrp = &vr;
    } else if (trust) {
        sbd_verify_with(&l.f, &trust->f, true, &vr);
        vrp = &vr;
    }
    rc = exit_for(vrp);
    int decrypting = o->key_path && l.f.kind == SBD_KIND_ENC_SGN;
    unsigned long lost = esc_json_failures();
    json_t *jo = o->json ? file_json(path, &l, vrp, trust) : NULL;
    if (jo && trust && vrp)
        esc_json_set(jo, "verified_against", esc_json_str(o->trust_path));
    if (decrypting) {
        int drc = decrypt_to(path, &l, o, jo);
        rc = drc > rc ? drc : rc;
    }
    if (jo) {
        if (esc_json_failures() != lost) {
            say(path, "JSON incomplete (out of memory)");
            rc = 2;
        }
        util_print_json_line(stdout, jo);
        json_decref(jo);
    } else if (!decrypting || o->decrypt_out) {
        print_listing(&l, vrp);
        print_trust_summary(&l, vrp);
    }
    unload(&l);
    return rc;
}

static void show_usage(FILE *out)
{
    fputs(
        "usage: pcapscan show [--json] [--trust ITL.tlv] [--key DEVICE.pem [-o PLAIN]] FILE...\n"
        "  Lists ITL/CTL/.sgn/.enc.sgn files (detected by content) like CUCM's show itl and\n"
        "  verifies them: a trust list against its own SAST record, a .sgn/.enc.sgn against the\n"
        "  CCM+TFTP/TFTP record of --trust. --key decrypts an .enc.sgn to stdout or to -o PLAIN.\n"
        "  Exit: 0 verified, 1 verification failed, 2 unreadable or unparsable input.\n",
        out);
}

static int parse_show_opts(int argc, char **argv, show_opts *o)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},      {"trust", required_argument, NULL, 't'},
        {"key", required_argument, NULL, 'k'}, {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "jt:k:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            o->json = 1;
            break;
        case 't':
            o->trust_path = optarg;
            break;
        case 'k':
            o->key_path = optarg;
            break;
        case 'o':
            o->decrypt_out = optarg;
            break;
        case 'h':
            show_usage(stdout);
            exit(0);
        default:
            show_usage(stderr);
            return -1;
        }
    }
    if (optind >= argc) {
        show_usage(stderr);
        return -1;
    }
    return optind;
}

int cmd_show(int argc, char **argv)
{
    show_opts o = {0};
    int first = parse_show_opts(argc, argv, &o);
    if (first < 0)
        return 2;
    loaded trust;
    int have_trust = 0;
    if (o.trust_path) {
        if (load_file(o.trust_path, &trust) != 0)
            return 2;
        if (trust.f.kind != SBD_KIND_TRUST_LIST) {
            say(o.trust_path, "not an ITL/CTL trust list");
            unload(&trust);
            return 2;
        }
        have_trust = 1;
    }
    int rc = 0;
    for (int i = first; i < argc; i++) {
        if (i > first && !o.json)
            fputc('\n', stdout);
        int r = show_one(argv[i], &o, have_trust ? &trust : NULL);
        rc = r > rc ? r : rc;
    }
    if (have_trust)
        unload(&trust);
    return rc;
}
