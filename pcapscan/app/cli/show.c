/* `pcapscan show FILE...`: list and verify ITL/CTL/.sgn/.enc.sgn files as CUCM's `show itl` does.
 * Exit 0 verified (or nothing to verify), 1 verification failed, 2 unreadable/unparsable input. */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "lib/escape.h"
#include "report/json_file.h"
#include "sbd/audit.h"
#include "sbd/cert.h"
#include "sbd/enc.h"
#include "sbd/listing.h"
#include "sbd/trust.h"
#include "sbd/verify.h"
#include "cli/opts.h"
#include "cli/show.h"
#include "lib/util.h"

/* Trust files are tens of KB; a bound keeps a wrong argument (a capture, /dev/zero) harmless. */
#define SHOW_MAX_FILE (64u * 1024 * 1024)

/* A certificate expiring within this many days is named in the verdict block (as the scan's
 * default --expiry-days). */
#define SHOW_EXPIRY_DAYS 30

typedef struct show_opts {
    int json;
    const char *trust_path;
    const char *key_path;
    const char *decrypt_out;
    int64_t now;    /* expiry is judged at this time (--now, else the clock) */
    int n_files;    /* more than one: each listing starts with its file name */
    bool trust_bad; /* the --trust list does not verify itself */
    sbd_verify_result trust_vr;
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

static void print_itl_recovery(const sbd_file *f)
{
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
    if (n)
        fputc('\n', stdout);
    else if (sbd_file_is_ctl(f))
        fputs("none\n", stdout);
    else /* the one fact that decides how locked-out phones are recovered */
        fputs("none (utils itl reset cannot recover phones that hold this ITL)\n", stdout);
}

/* Expiry of record i's certificate at now: 0 valid, 1 expires within SHOW_EXPIRY_DAYS, 2 expired,
 * -1 no certificate (a hash-only record), -2 unreadable. */
static int record_expiry(const sbd_file *f, size_t i, int64_t now, int64_t *not_after)
{
    const sbd_elem *c = f->records[i].certificate;
    if (!c || !c->len)
        return -1;
    sbd_cert_info ci;
    sbd_error e = {0};
    if (sbd_cert_info_from_der(f->buf + c->value_off, c->len, &ci, &e) != SBD_OK)
        return -2;
    *not_after = ci.not_after;
    return sbd_audit_expiry(ci.not_after, now, SHOW_EXPIRY_DAYS);
}

/* One line per record certificate that has expired or expires within SHOW_EXPIRY_DAYS of now,
 * then a count of the rest. Hash-only records (TVS, CAPF in an ITL) carry no dates. */
static void print_expiry(const sbd_file *f, int64_t now)
{
    size_t valid = 0, hash_only = 0, unreadable = 0;
    char when[40], subject[512];
    for (size_t i = 0; i < f->n_records; i++) {
        int64_t na = 0;
        int st = record_expiry(f, i, now, &na);
        hash_only += st == -1;
        unreadable += st == -2;
        valid += st == 0;
        if (st < 1)
            continue;
        sbd_time_iso(na, when, sizeof when);
        sbd_elem_string(f, f->records[i].subject, subject, sizeof subject);
        printf("%s\trecord %zu ", st == 2 ? "Expired:" : "Expires soon:", i + 1);
        esc_term(stdout, subject);
        if (st == 2)
            printf(" (not after %s)\n", when);
        else
            printf(" (not after %s, in %lld days)\n", when, (long long)((na - now) / 86400));
    }
    printf("Certificates:\t%zu valid beyond %d days", valid, SHOW_EXPIRY_DAYS);
    if (hash_only)
        printf(", %zu record(s) with a hash only (no dates)", hash_only);
    if (unreadable)
        printf(", %zu unreadable", unreadable);
    sbd_time_iso(now, when, sizeof when);
    printf(" (judged at %s)\n", when);
}

/* against_trust: a .sgn checked with the --trust list (a trust list checks itself). */
static void print_signature_line(const char *what, const sbd_verify_result *vr, bool against_trust,
                                 const show_opts *o)
{
    fputs("Signature:\t", stdout);
    if (!vr)
        printf("not verified (give --trust with the ITL or CTL that vouches for this %s)\n", what);
    else if (against_trust && o->trust_bad)
        printf("not verified: the --trust list does not verify itself (%s)\n",
               sbd_sig_status_name(o->trust_vr.status));
    else if (vr->status == SBD_SIG_VALID)
        printf("verified with record %zu of %s\n", vr->signer_index + 1,
               against_trust ? "the --trust list" : "the file itself");
    else
        printf("FAILED (%s)\n", sbd_sig_status_name(vr->status));
}

/* After the CUCM-style listing, the facts an engineer acts on: is it genuine, when was it signed
 * and by whom, can locked-out phones be recovered (ITLRecovery), is it a rollback ITL, which
 * certificates have expired or expire soon. */
static void print_verdict_block(const loaded *l, const sbd_verify_result *vr, const show_opts *o)
{
    const sbd_file *f = &l->f;
    bool tl = f->kind == SBD_KIND_TRUST_LIST, ctl = tl && sbd_file_is_ctl(f);
    const char *what = tl ? (ctl ? "CTL" : "ITL") : "signed file";
    fputs("-- verdict\n", stdout);
    print_signature_line(what, vr, !tl && o->trust_path, o);
    if (f->hdr.timestamp_elem) {
        char when[40];
        printf("Signed at:\t%s (the header's timestamp; the local file's time is when it was "
               "saved here)\n",
               sbd_time_iso((int64_t)f->hdr.timestamp, when, sizeof when));
    }
    if (f->hdr.has_signer_version)
        printf("Signer version:\t%u.%u\n", f->hdr.signer_version_major,
               f->hdr.signer_version_minor);
    else
        fputs("Signer version:\tnot in the header\n", stdout);
    if (!tl)
        return;
    signer_kind k = signer_kind_of(f, vr);
    if (k == SIGNER_NONE)
        printf("Signer:\t%s\n", signer_text(k, ctl));
    else
        printf("Signer:\trecord %zu, %s\n", vr->signer_index + 1, signer_text(k, ctl));
    print_itl_recovery(f);
    if (!ctl)
        fputs(sbd_audit_is_rollback(f)
                  ? "Rollback ITL:\tyes: no CCM+TFTP, TFTP or TVS record, phones that accept it "
                    "trust any signer\n"
                  : "Rollback ITL:\tno\n",
              stdout);
    if (!ctl && sbd_audit_itl_too_large(f))
        printf("Size:\ttoo large for phones (over %u bytes or %u certificates)\n",
               SBD_ITL_MAX_BYTES, SBD_ITL_MAX_CERTS);
    print_expiry(f, o->now);
}

static json_t *trust_summary_json(const loaded *l, const sbd_verify_result *vr, int64_t now)
{
    json_t *recs = json_array(), *expired = json_array(), *expiring = json_array();
    for (size_t i = 0; i < l->f.n_records; i++) {
        if (recs && sbd_trust_record_is_itl_recovery(&l->f, &l->f.records[i]))
            json_array_append_new(recs, json_integer((json_int_t)i + 1));
        int64_t na = 0;
        int st = record_expiry(&l->f, i, now, &na);
        if (st > 0 && (st == 2 ? expired : expiring))
            json_array_append_new(st == 2 ? expired : expiring, json_integer((json_int_t)i + 1));
    }
    return json_pack("{s:o*, s:s, s:b, s:o*, s:o*}", "itl_recovery_records", recs, "signer_kind",
                     signer_words[signer_kind_of(&l->f, vr)], "rollback",
                     !sbd_file_is_ctl(&l->f) && sbd_audit_is_rollback(&l->f), "expired_records",
                     expired, "expiring_records", expiring);
}

static json_t *file_json(const char *path, const loaded *l, const sbd_verify_result *vr,
                         const loaded *trust, int64_t now)
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
        esc_json_set(o, "trust_list", trust_summary_json(l, vr, now));
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
    /* No "last modified": the local file's time is when it was extracted or copied, not when CUCM
     * built it (the verdict block gives the header's timestamp). */
    sbd_listing_print(mem, &l->f, vrp, -1);
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
        if (o->trust_bad) { /* a key from a list that fails its own check vouches for nothing */
            vr.status = SBD_SIG_NOT_CHECKED;
            snprintf(vr.detail, sizeof vr.detail,
                     "the --trust list does not verify itself (%s), so it vouches for nothing",
                     sbd_sig_status_name(o->trust_vr.status));
        }
    }
    rc = exit_for(vrp);
    int decrypting = o->key_path && l.f.kind == SBD_KIND_ENC_SGN;
    unsigned long lost = esc_json_failures();
    json_t *jo = o->json ? file_json(path, &l, vrp, trust, o->now) : NULL;
    if (jo && trust && vrp) {
        esc_json_set(jo, "verified_against", esc_json_str(o->trust_path));
        esc_json_set(jo, "verified_against_signature",
                     json_string(sbd_sig_status_name(o->trust_vr.status)));
    }
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
        if (o->n_files > 1) {
            fputs("File: ", stdout);
            esc_term(stdout, path);
            fputc('\n', stdout);
        }
        print_listing(&l, vrp);
        print_verdict_block(&l, vrp, o);
    }
    unload(&l);
    return rc;
}

static void show_usage(FILE *out)
{
    fputs(
        "usage: pcapscan show [--json] [--trust ITL.tlv] [--now TIME]\n"
        "                     [--key DEVICE.pem [-o|--output PLAIN]] FILE...\n"
        "  Lists ITL/CTL/.sgn/.enc.sgn files (detected by content) like CUCM's show itl and\n"
        "  verifies them: a trust list against its own SAST record, a .sgn/.enc.sgn against the\n"
        "  CCM+TFTP/TFTP record of --trust (which must verify itself). A verdict block follows\n"
        "  each listing: signature, signing time, signer, ITLRecovery, rollback, certificates\n"
        "  expired or expiring within 30 days of --now (ISO 8601 or Unix seconds; default: now).\n"
        "  --key decrypts an .enc.sgn to stdout or to -o PLAIN.\n"
        "  --help prints this. Exit: 0 verified (or nothing to verify), 1 verification\n"
        "  failed (a --trust list that does not verify itself included), 2 unreadable or\n"
        "  unparsable input (2 wins over 1).\n",
        out);
}

static int parse_show_opts(int argc, char **argv, show_opts *o)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"trust", required_argument, NULL, 't'},
        {"key", required_argument, NULL, 'k'},
        {"output", required_argument, NULL, 'o'},
        {"now", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    o->now = (int64_t)time(NULL);
    while ((c = getopt_long(argc, argv, "jt:k:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!scan_parse_time(optarg, &o->now)) {
                fprintf(stderr,
                        "pcapscan: bad value for --now: '%s' (expected a date (2026-12-01), a UTC "
                        "time (2026-12-01T00:00:00Z) or Unix seconds)\n",
                        optarg);
                return -1;
            }
            break;
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
        o.trust_bad = sbd_verify_trust_list(&trust.f, &o.trust_vr) != SBD_SIG_VALID;
        if (o.trust_bad)
            say(o.trust_path,
                "the trust list itself does not verify (%s): nothing is verified "
                "against it",
                o.trust_vr.detail[0] ? o.trust_vr.detail : sbd_sig_status_name(o.trust_vr.status));
    }
    o.n_files = argc - first;
    int rc = o.trust_bad ? 1 : 0;
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
