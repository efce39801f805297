/* .enc.sgn decryption on files built by tests/tools/sbdgen for a test phone key. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "gen_fixture.h"
#include "sbd/enc.h"
#include "sbd/verify.h"

#define ENC_BASE "encsgn --signer callmanager.key:callmanager.pem --phone-cert phone.pem "

static uint8_t *key_pem(const char *name, size_t *len)
{
    char path[1200];
    uint8_t *buf = NULL;
    snprintf(path, sizeof path, "%s/%s", fx.pki, name);
    if (!fx_read(path, &buf, len)) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Writes a plaintext of n bytes (a repeating XML-ish pattern) to WORK/name. */
static bool write_plain(const char *name, size_t n)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", fx.work, name);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return false;
    static const char pat[] = "<device><encrConfig>true</encrConfig></device>\n";
    for (size_t i = 0; i < n; i++)
        fputc(pat[i % (sizeof pat - 1)], fp);
    return fclose(fp) == 0;
}

static bool gen_enc(const char *out, const char *plain, const char *extra)
{
    char args[1600];
    snprintf(args, sizeof args, ENC_BASE "--in '%s/%s' %s", fx.work, plain, extra);
    return fx_gen(out, args);
}

/* Decrypts WORK/name with the key, returning the status; err/plain filled. */
static sbd_status decrypt(const char *name, const char *key_name, sbd_plain *p, sbd_error *err)
{
    size_t klen = 0;
    uint8_t *key = key_pem(key_name, &klen);
    loaded l;
    memset(p, 0, sizeof *p);
    memset(err, 0, sizeof *err);
    sbd_status st = SBD_IO;
    if (key && fx_load(name, &l))
        st = sbd_enc_decrypt(&l.f, (const char *)key, klen, p, err);
    else
        CHECK(!"inputs load");
    fx_unload(&l);
    free(key);
    return st;
}

static bool plain_equals_file(const sbd_plain *p, const char *name)
{
    char path[1200];
    uint8_t *want = NULL;
    size_t want_len = 0;
    snprintf(path, sizeof path, "%s/%s", fx.work, name);
    bool ok = fx_read(path, &want, &want_len) && want_len == p->len &&
              (want_len == 0 || memcmp(want, p->data, want_len) == 0);
    free(want);
    return ok;
}

/* Sizes around the block boundary: pad count 16 when already aligned, 1 when one short. */
static void test_round_trip(void)
{
    static const struct {
        size_t n;
        const char *hash;
    } cases[] = {{47, "sha1"}, {48, "sha1"}, {15, "sha512"}, {0, "sha1"}, {1000, "sha256"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char plain[32], out[32], extra[64];
        snprintf(plain, sizeof plain, "plain%zu.xml", cases[i].n);
        snprintf(out, sizeof out, "rt%zu.enc.sgn", i);
        snprintf(extra, sizeof extra, "--hash %s", cases[i].hash);
        CHECK(write_plain(plain, cases[i].n));
        CHECK(gen_enc(out, plain, extra));
        sbd_plain p;
        sbd_error err;
        sbd_status st = decrypt(out, "phone.key", &p, &err);
        CHECK_EQ_INT(st, SBD_OK);
        if (st != SBD_OK)
            fprintf(stderr, "  %s: %s at %zu\n", out, err.msg, err.offset);
        CHECK(plain_equals_file(&p, plain));
        CHECK(p.digest_checked);
        CHECK(p.digest_ok);
        sbd_plain_free(&p);
        CHECK(p.data == NULL && p.len == 0);
    }
}

/* Header facts the decryptor relies on, and the signature of the encrypted file. */
static void test_layout_and_signature(void)
{
    CHECK(write_plain("p47.xml", 47));
    CHECK(gen_enc("lay.enc.sgn", "p47.xml", ""));
    CHECK(fx_gen("itl.tlv", "tl --signer callmanager.key:callmanager.pem "
                            "--record SAST:callmanager.pem --record CCM+TFTP:callmanager.pem"));
    loaded l, itl;
    bool ok = fx_load("lay.enc.sgn", &l);
    ok = fx_load("itl.tlv", &itl) && ok;
    CHECK(ok);
    if (ok) {
        CHECK_EQ_INT(l.f.kind, SBD_KIND_ENC_SGN);
        CHECK_EQ_INT(l.f.enc.pad_count, 1);
        CHECK_EQ_INT(l.f.body_len, 48);
        CHECK(l.f.enc.wrapped_key && l.f.enc.wrapped_key->len == 256);
        sbd_verify_result vr;
        CHECK_EQ_INT(sbd_verify_with(&l.f, &itl.f, true, &vr), SBD_SIG_VALID);
        CHECK_EQ_INT(vr.signer_index, 1);
    }
    fx_unload(&l);
    fx_unload(&itl);
}

static void expect_error(const char *what, sbd_status got, const sbd_error *err, sbd_status want,
                         const char *needle)
{
    bool ok = got == want && strstr(err->msg, needle) != NULL;
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  %s: got %s \"%s\", want %s \"%s\"\n", what, sbd_status_name(got),
                err->msg, sbd_status_name(want), needle);
}

static void test_wrong_keys(void)
{
    CHECK(write_plain("p100.xml", 100));
    CHECK(gen_enc("wk.enc.sgn", "p100.xml", ""));
    sbd_plain p;
    sbd_error err;
    /* Same modulus size, different key: the RSA unwrap fails. */
    expect_error("capf key", decrypt("wk.enc.sgn", "capf.key", &p, &err), &err, SBD_CRYPTO,
                 "wrong key");
    CHECK(p.data == NULL);
    /* Different modulus size: caught before any RSA work. */
    expect_error("1024 key", decrypt("wk.enc.sgn", "rsa1024.key", &p, &err), &err, SBD_CRYPTO,
                 "wrong key: wrapped key (tag 25) is 256 bytes");
    /* A certificate is not a private key. */
    expect_error("cert as key", decrypt("wk.enc.sgn", "phone.pem", &p, &err), &err, SBD_CRYPTO,
                 "not a readable PEM private key");
    /* The right key still works on the same file. */
    CHECK_EQ_INT(decrypt("wk.enc.sgn", "phone.key", &p, &err), SBD_OK);
    CHECK(p.digest_ok);
    sbd_plain_free(&p);
}

static void test_corruption(void)
{
    CHECK(write_plain("p64.xml", 64));
    /* Same key, IV and name each time, so offsets found in one build hold in the next. */
    const char *fixed = "--aes-key 000102030405060708090a0b0c0d0e0f "
                        "--iv 0f0e0d0c0b0a09080706050403020100 "
                        "--filename SEP001122334455.cnf.xml.enc.sgn";
    CHECK(gen_enc("c.enc.sgn", "p64.xml", fixed));
    loaded l;
    if (!fx_load("c.enc.sgn", &l)) {
        CHECK(!"c.enc.sgn loads");
        return;
    }
    long pad_low = (long)l.f.enc.pad_count_elem->value_off + 1;
    long first_block = (long)l.f.body_off + 3;
    size_t len = l.len;
    CHECK_EQ_INT(l.f.enc.pad_count, 16);
    fx_unload(&l);

    char extra[256];
    sbd_plain p;
    sbd_error err;
    /* The last block holds only the 16 pad bytes: garbling it leaves the plaintext intact
     * (only the header signature covers padding), so the digest still matches. */
    snprintf(extra, sizeof extra, "%s --tamper -1", fixed);
    CHECK(gen_enc("c-last.enc.sgn", "p64.xml", extra));
    CHECK_EQ_INT(decrypt("c-last.enc.sgn", "phone.key", &p, &err), SBD_OK);
    CHECK(p.digest_checked && p.digest_ok && plain_equals_file(&p, "p64.xml"));
    sbd_plain_free(&p);
    /* Last byte of the last plaintext block's ciphertext: digest mismatch. */
    snprintf(extra, sizeof extra, "%s --tamper -17", fixed);
    CHECK(gen_enc("c-tail.enc.sgn", "p64.xml", extra));
    CHECK_EQ_INT(decrypt("c-tail.enc.sgn", "phone.key", &p, &err), SBD_OK);
    CHECK(p.digest_checked && !p.digest_ok);
    CHECK_EQ_INT(p.len, 64);
    sbd_plain_free(&p);
    /* A byte in the first block garbles plaintext; digest catches it too. */
    snprintf(extra, sizeof extra, "%s --tamper %ld", fixed, first_block);
    CHECK(gen_enc("c-first.enc.sgn", "p64.xml", extra));
    CHECK_EQ_INT(decrypt("c-first.enc.sgn", "phone.key", &p, &err), SBD_OK);
    CHECK(p.digest_checked && !p.digest_ok);
    CHECK_EQ_INT(p.len, 64);
    sbd_plain_free(&p);
    /* Pad count 16 ^ 0xFF = 239: impossible. */
    snprintf(extra, sizeof extra, "%s --tamper %ld", fixed, pad_low);
    CHECK(gen_enc("c-pad.enc.sgn", "p64.xml", extra));
    expect_error("pad", decrypt("c-pad.enc.sgn", "phone.key", &p, &err), &err, SBD_MALFORMED,
                 "bad padding count 239");
    /* One byte short: not whole AES blocks. */
    snprintf(extra, sizeof extra, "%s --truncate %zu", fixed, len - 1);
    CHECK(gen_enc("c-short.enc.sgn", "p64.xml", extra));
    expect_error("short", decrypt("c-short.enc.sgn", "phone.key", &p, &err), &err, SBD_MALFORMED,
                 "ciphertext length 79 is not a multiple of 16");
}

static void test_not_encrypted(void)
{
    CHECK(write_plain("p10.xml", 10));
    char args[1400];
    snprintf(args, sizeof args, "sgn --signer callmanager.key:callmanager.pem --in '%s/p10.xml'",
             fx.work);
    CHECK(fx_gen("plain.sgn", args));
    sbd_plain p;
    sbd_error err;
    expect_error("sgn", decrypt("plain.sgn", "phone.key", &p, &err), &err, SBD_MALFORMED,
                 "not an encrypted signed file");
    CHECK(p.data == NULL);
    loaded l;
    if (fx_load("plain.sgn", &l)) {
        expect_error("no key", sbd_enc_decrypt(&l.f, NULL, 0, &p, &err), &err, SBD_MALFORMED,
                     "not an encrypted");
    }
    fx_unload(&l);
}

int main(void)
{
    if (!fx_setup("enc")) {
        CHECK(!"fixture setup");
        return check_report();
    }
    test_round_trip();
    test_layout_and_signature();
    test_wrong_keys();
    test_corruption();
    test_not_encrypted();
    fx_teardown();
    return check_report();
}
