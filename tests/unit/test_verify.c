/* Signature verdicts of trust lists and signed files, on files built by tests/tools/sbdgen from a
 * PKI made at test time, and on a real-world ITL built by another producer. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "gen_fixture.h"
#include "sbd/verify.h"

#define ITL_RECORDS                                                                                \
    "--record SAST:callmanager.pem --record CCM+TFTP:callmanager.pem "                             \
    "--record TVS:tvs.pem:certhash --record CAPF:capf.pem:certhash"

/* Asserts a verdict and that the detail line says what it should. */
static void expect(const char *what, sbd_sig_status got, const sbd_verify_result *vr,
                   sbd_sig_status want, const char *needle)
{
    bool ok = got == want && vr->status == got && (!needle || strstr(vr->detail, needle));
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  %s: got %s \"%s\", want %s \"%s\"\n", what, sbd_sig_status_name(got),
                vr->detail, sbd_sig_status_name(want), needle ? needle : "");
}

static sbd_sig_status verify_tl_file(const char *name, sbd_verify_result *vr)
{
    loaded l;
    memset(vr, 0, sizeof *vr);
    if (!fx_load(name, &l)) {
        CHECK(!"file loads");
        fx_unload(&l);
        return SBD_SIG_NOT_CHECKED;
    }
    sbd_sig_status st = sbd_verify_trust_list(&l.f, vr);
    vr->signer = NULL; /* points into l, freed below */
    fx_unload(&l);
    return st;
}

static void test_valid_lists(void)
{
    static const struct {
        const char *name, *args;
    } cases[] = {
        {"sha1.tlv", "--hash sha1"},
        {"sha256.tlv", "--hash sha256"},
        {"sha512.tlv", "--hash sha512"},
        {"ctl.tlv", "--ctl --filename CTLFile.tlv"},
        {"ucm-order.tlv", "--order usecallmanager --name-style ucm --signer-version 1.1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[512];
        snprintf(args, sizeof args, "tl --signer callmanager.key:callmanager.pem %s %s",
                 ITL_RECORDS, cases[i].args);
        CHECK(fx_gen(cases[i].name, args));
        sbd_verify_result vr;
        sbd_sig_status st = verify_tl_file(cases[i].name, &vr);
        expect(cases[i].name, st, &vr, SBD_SIG_VALID, "signed by record #1 (SAST");
        CHECK_EQ_INT(vr.signer_index, 0);
    }
}

/* RSA 1024/2048/4096 signers; also checks the signature element really has the modulus size. */
static void test_key_sizes(void)
{
    static const struct {
        const char *who;
        int sig_len;
    } keys[] = {{"rsa1024", 128}, {"rsa2048", 256}, {"rsa4096", 512}};
    for (size_t i = 0; i < 3; i++) {
        char args[512], name[64];
        snprintf(name, sizeof name, "%s.tlv", keys[i].who);
        snprintf(args, sizeof args,
                 "tl --hash sha256 --signer %s.key:%s.pem --record SAST:%s.pem "
                 "--record CCM+TFTP:callmanager.pem",
                 keys[i].who, keys[i].who, keys[i].who);
        CHECK(fx_gen(name, args));
        loaded l;
        if (!fx_load(name, &l)) {
            CHECK(!"loads");
            continue;
        }
        sbd_verify_result vr;
        expect(name, sbd_verify_trust_list(&l.f, &vr), &vr, SBD_SIG_VALID, "SAST");
        CHECK(vr.signer == &l.f.records[0]);
        CHECK(l.f.hdr.signature && l.f.hdr.signature->len == keys[i].sig_len);
        fx_unload(&l);
    }
}

/* Offsets of interesting bytes, taken from a valid build (sbdgen output is deterministic). */
static void test_tampered(void)
{
    const char *base = "tl --signer callmanager.key:callmanager.pem " ITL_RECORDS;
    CHECK(fx_gen("base.tlv", base));
    loaded l;
    if (!fx_load("base.tlv", &l)) {
        CHECK(!"base loads");
        return;
    }
    CHECK(l.f.hdr.timestamp_elem && l.f.hdr.signature && l.f.n_records == 4);
    if (!l.f.hdr.timestamp_elem || !l.f.hdr.signature || l.f.n_records != 4) {
        fx_unload(&l);
        return;
    }
    struct {
        const char *name;
        long off;
        const char *needle;
    } cases[] = {
        {"t-header.tlv", (long)l.f.hdr.timestamp_elem->value_off + 3, "tampered"},
        {"t-name.tlv", (long)l.f.hdr.filename->value_off, "tampered"},
        {"t-body.tlv", (long)l.f.records[2].subject->value_off + 4, "tampered"},
        {"t-last.tlv", -1, "tampered"},
        {"t-sig.tlv", (long)l.f.hdr.signature->value_off + 17,
         "signed by a key not in its SAST record"},
    };
    fx_unload(&l);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[512];
        snprintf(args, sizeof args, "%s --tamper %ld", base, cases[i].off);
        CHECK(fx_gen(cases[i].name, args));
        sbd_verify_result vr;
        sbd_sig_status st = verify_tl_file(cases[i].name, &vr);
        expect(cases[i].name, st, &vr, SBD_SIG_INVALID, cases[i].needle);
        CHECK_EQ_INT(vr.signer_index, 0);
    }
}

static void test_wrong_key_and_unknown_signer(void)
{
    sbd_verify_result vr;
    /* The header names CallManager, but another key made the signature. */
    CHECK(fx_gen("wrongkey.tlv", "tl --signer callmanager.key:callmanager.pem "
                                 "--sign-with callmanager2.key " ITL_RECORDS));
    expect("wrong key", verify_tl_file("wrongkey.tlv", &vr), &vr, SBD_SIG_INVALID,
           "signed by a key not in its SAST record");

    CHECK(fx_gen("badserial.tlv", "tl --signer callmanager.key:callmanager.pem "
                                  "--signer-serial 0102030405 " ITL_RECORDS));
    expect("serial", verify_tl_file("badserial.tlv", &vr), &vr, SBD_SIG_SIGNER_UNKNOWN,
           "no record matches the signer");
    CHECK(strstr(vr.detail, "01:02:03:04:05") != NULL);

    CHECK(fx_gen("badissuer.tlv", "tl --signer callmanager.key:callmanager.pem "
                                  "--signer-issuer 'CN=Someone Else' " ITL_RECORDS));
    expect("issuer", verify_tl_file("badissuer.tlv", &vr), &vr, SBD_SIG_SIGNER_UNKNOWN,
           "no record matches the signer");

    /* The signer is in the list, but not as SAST: a phone would not accept that. */
    CHECK(fx_gen("nosast.tlv", "tl --signer callmanager.key:callmanager.pem "
                               "--record CCM+TFTP:callmanager.pem --record TVS:tvs.pem:certhash"));
    expect("no SAST", verify_tl_file("nosast.tlv", &vr), &vr, SBD_SIG_SIGNER_UNKNOWN,
           "no record matches the signer as SAST; record #1 (CCM+TFTP)");
}

/* eToken-style SAST record: no tag 8, key from the certificate; and from tag 7 alone. */
static void test_etoken(void)
{
    CHECK(fx_gen("etoken.tlv",
                 "tl --signer rsa1024.key:rsa1024.pem --record SAST:rsa1024.pem:etoken "
                 "--record CCM+TFTP:callmanager.pem"));
    loaded l;
    if (!fx_load("etoken.tlv", &l)) {
        CHECK(!"etoken loads");
        return;
    }
    const sbd_record *r = &l.f.records[0];
    CHECK(r->cert_signature == NULL && r->public_key && r->certificate);
    sbd_verify_result vr;
    expect("etoken", sbd_verify_trust_list(&l.f, &vr), &vr, SBD_SIG_VALID, "record #1 (SAST");

    char detail[200];
    const uint8_t *pk1 = sbd_elem_value(&l.f, r->public_key);
    const uint8_t *cert = sbd_elem_value(&l.f, r->certificate);
    size_t pk1_len = r->public_key->len, cert_len = r->certificate->len;
    CHECK_EQ_INT(sbd_verify_with_der(&l.f, NULL, 0, pk1, pk1_len, detail, sizeof detail),
                 SBD_SIG_VALID);
    /* A certificate that is not X.509 falls back to tag 7. */
    static const uint8_t junk[] = {0x30, 0x82, 0x01, 0x00, 0x02, 0x01};
    CHECK_EQ_INT(sbd_verify_with_der(&l.f, junk, sizeof junk, pk1, pk1_len, detail, sizeof detail),
                 SBD_SIG_VALID);
    /* Nothing usable. */
    CHECK_EQ_INT(
        sbd_verify_with_der(&l.f, junk, sizeof junk, junk, sizeof junk, detail, sizeof detail),
        SBD_SIG_BAD_KEY);
    CHECK(strstr(detail, "PUBLICKEY") != NULL);
    CHECK_EQ_INT(sbd_verify_with_der(&l.f, NULL, 0, NULL, 0, detail, sizeof detail),
                 SBD_SIG_BAD_KEY);
    CHECK_EQ_INT(sbd_verify_with_der(&l.f, junk, sizeof junk, NULL, 0, detail, sizeof detail),
                 SBD_SIG_BAD_KEY);
    CHECK(strstr(detail, "not a readable X.509") != NULL);
    /* PKCS#1 key with trailing bytes is not accepted as a key. */
    uint8_t longer[1024];
    if (pk1_len + 1 <= sizeof longer) {
        memcpy(longer, pk1, pk1_len);
        longer[pk1_len] = 0;
        CHECK_EQ_INT(sbd_verify_with_der(&l.f, NULL, 0, longer, pk1_len + 1, detail, sizeof detail),
                     SBD_SIG_BAD_KEY);
    }
    /* An EC point in tag 7: curve unknown, EC not supported. */
    uint8_t point[65] = {0x04};
    CHECK_EQ_INT(sbd_verify_with_der(&l.f, NULL, 0, point, sizeof point, detail, sizeof detail),
                 SBD_SIG_UNSUPPORTED);
    /* Key size different from the signature size: 1024-bit signature, 2048-bit key. */
    uint8_t *cm = NULL;
    size_t cm_len = 0;
    char path[1200];
    snprintf(path, sizeof path, "%s/callmanager.der", fx.pki);
    if (fx_run("openssl x509 -in '%s/callmanager.pem' -outform DER -out '%s'", fx.pki, path) &&
        fx_read(path, &cm, &cm_len)) {
        CHECK_EQ_INT(sbd_verify_with_der(&l.f, cm, cm_len, NULL, 0, detail, sizeof detail),
                     SBD_SIG_INVALID);
        CHECK(strstr(detail, "signature is 128 bytes but the 2048-bit key needs 256") != NULL);
    } else {
        CHECK(!"callmanager.der");
    }
    free(cm);
    /* EC certificate: reported as unsupported, not as a bad signature. */
    uint8_t *ec = NULL;
    size_t ec_len = 0;
    snprintf(path, sizeof path, "%s/ec.der", fx.work);
    if (fx_run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "
               "'%s/ec.key' -subj /CN=ec -days 1 -outform DER -out '%s' 2>/dev/null",
               fx.work, path) &&
        fx_read(path, &ec, &ec_len)) {
        CHECK_EQ_INT(sbd_verify_with_der(&l.f, ec, ec_len, NULL, 0, detail, sizeof detail),
                     SBD_SIG_UNSUPPORTED);
    } else {
        CHECK(!"ec.der");
    }
    free(ec);
    (void)cert;
    (void)cert_len;
    fx_unload(&l);
}

/* A .sgn against the ITL: only CCM+TFTP/TFTP records vouch for config files. */
static void test_sgn_against_itl(void)
{
    CHECK(fx_gen("itl.tlv", "tl --signer callmanager.key:callmanager.pem " ITL_RECORDS));
    CHECK(fx_run("printf '<device><fullConfig>true</fullConfig></device>\\n' > '%s/cnf.xml'",
                 fx.work));
    char args[1400];
    snprintf(args, sizeof args,
             "sgn --signer callmanager.key:callmanager.pem --filename SEP001122334455.cnf.xml.sgn "
             "--in '%s/cnf.xml'",
             fx.work);
    CHECK(fx_gen("good.sgn", args));
    snprintf(args, sizeof args, "sgn --signer tvs.key:tvs.pem --in '%s/cnf.xml'", fx.work);
    CHECK(fx_gen("tvs.sgn", args));
    snprintf(args, sizeof args, "sgn --signer rsa2048.key:rsa2048.pem --in '%s/cnf.xml'", fx.work);
    CHECK(fx_gen("stranger.sgn", args));
    snprintf(args, sizeof args,
             "sgn --signer callmanager.key:callmanager.pem --sign-with callmanager2.key "
             "--in '%s/cnf.xml'",
             fx.work);
    CHECK(fx_gen("forged.sgn", args));
    snprintf(args, sizeof args,
             "sgn --signer callmanager.key:callmanager.pem --hash sha512 --in '%s/cnf.xml' "
             "--tamper -2",
             fx.work);
    CHECK(fx_gen("tampered.sgn", args));

    loaded itl, sgn;
    if (!fx_load("itl.tlv", &itl)) {
        CHECK(!"itl loads");
        return;
    }
    sbd_verify_result vr;
    if (fx_load("good.sgn", &sgn)) {
        CHECK_EQ_INT(sgn.f.kind, SBD_KIND_SGN);
        expect("sgn tftp", sbd_verify_with(&sgn.f, &itl.f, true, &vr), &vr, SBD_SIG_VALID,
               "signed by record #2 (CCM+TFTP");
        CHECK_EQ_INT(vr.signer_index, 1);
        CHECK(vr.signer == &itl.f.records[1]);
        /* Any role: the SAST record (same certificate) comes first. */
        expect("sgn any", sbd_verify_with(&sgn.f, &itl.f, false, &vr), &vr, SBD_SIG_VALID,
               "record #1 (SAST");
        CHECK_EQ_INT(vr.signer_index, 0);
        /* Its own header cannot verify it: a .sgn has no records. */
        expect("sgn alone", sbd_verify_with(&sgn.f, &sgn.f, false, &vr), &vr,
               SBD_SIG_SIGNER_UNKNOWN, "no record matches the signer");
    } else {
        CHECK(!"good.sgn loads");
    }
    fx_unload(&sgn);
    if (fx_load("tvs.sgn", &sgn)) {
        expect("tvs sgn", sbd_verify_with(&sgn.f, &itl.f, true, &vr), &vr, SBD_SIG_SIGNER_UNKNOWN,
               "no CCM+TFTP or TFTP record matches the signer; record #3");
        /* Without the role rule the TVS record vouches; CERTHASH-style, so its key comes
         * from tag 7 PUBLICKEY. */
        expect("tvs any", sbd_verify_with(&sgn.f, &itl.f, false, &vr), &vr, SBD_SIG_VALID,
               "record #3 (TVS");
        CHECK(itl.f.records[2].certificate == NULL && itl.f.records[2].public_key != NULL);
    } else {
        CHECK(!"tvs.sgn loads");
    }
    fx_unload(&sgn);
    if (fx_load("stranger.sgn", &sgn))
        expect("stranger", sbd_verify_with(&sgn.f, &itl.f, true, &vr), &vr, SBD_SIG_SIGNER_UNKNOWN,
               "no record matches the signer");
    else
        CHECK(!"stranger.sgn loads");
    fx_unload(&sgn);
    if (fx_load("forged.sgn", &sgn))
        expect("forged", sbd_verify_with(&sgn.f, &itl.f, true, &vr), &vr, SBD_SIG_INVALID,
               "signed by a key not in its CCM+TFTP record #2");
    else
        CHECK(!"forged.sgn loads");
    fx_unload(&sgn);
    if (fx_load("tampered.sgn", &sgn))
        expect("tampered sgn", sbd_verify_with(&sgn.f, &itl.f, true, &vr), &vr, SBD_SIG_INVALID,
               "tampered");
    else
        CHECK(!"tampered.sgn loads");
    fx_unload(&sgn);
    fx_unload(&itl);
}

/* One list vouching for another (ITL continuity after a certificate regeneration). */
static void test_list_against_list(void)
{
    CHECK(fx_gen("old.tlv", "tl --signer callmanager.key:callmanager.pem " ITL_RECORDS));
    CHECK(fx_gen("new.tlv", "tl --signer callmanager2.key:callmanager2.pem "
                            "--record SAST:callmanager2.pem --record CCM+TFTP:callmanager2.pem"));
    loaded old_l, new_l;
    bool ok = fx_load("old.tlv", &old_l);
    ok = fx_load("new.tlv", &new_l) && ok;
    CHECK(ok);
    if (ok) {
        sbd_verify_result vr;
        expect("self", sbd_verify_with(&old_l.f, &old_l.f, false, &vr), &vr, SBD_SIG_VALID,
               "record #1");
        expect("new by old", sbd_verify_with(&new_l.f, &old_l.f, false, &vr), &vr,
               SBD_SIG_SIGNER_UNKNOWN, "no record matches the signer");
        expect("new itself", sbd_verify_trust_list(&new_l.f, &vr), &vr, SBD_SIG_VALID, "record #1");
    }
    fx_unload(&old_l);
    fx_unload(&new_l);
}

/* Hand-made header without a signature element, and an unknown digest id. */
static void test_not_signed_and_unsupported(void)
{
    static const uint8_t unsigned_sgn[] = {
        0x01, 0x00, 0x02, 0x01, 0x00, /* version 1.0 */
        0x02, 0x00, 0x02, 0x00, 0x0C, /* header length 12 */
        0x0D, 0x0D,                   /* padding */
        '<',  'x',  '/',  '>',        /* payload */
    };
    sbd_file f;
    sbd_error err = {0};
    sbd_verify_result vr;
    if (sbd_file_parse(unsigned_sgn, sizeof unsigned_sgn, SBD_KIND_SGN, &f, &err) == SBD_OK) {
        expect("not signed", sbd_verify_trust_list(&f, &vr), &vr, SBD_SIG_NOT_SIGNED, "tag 12");
        expect("not signed with", sbd_verify_with(&f, &f, true, &vr), &vr, SBD_SIG_NOT_SIGNED,
               "tag 12");
        char detail[100];
        CHECK_EQ_INT(sbd_verify_with_der(&f, NULL, 0, NULL, 0, detail, sizeof detail),
                     SBD_SIG_NOT_SIGNED);
        sbd_file_free(&f);
    } else {
        CHECK(!"unsigned header parses");
        fprintf(stderr, "  %s at %zu\n", err.msg, err.offset);
    }

    /* Digest id 4 (the pre-2019 SHA-512 id, no longer used): flip tag 8's value 1 -> 4. */
    CHECK(fx_gen("d.tlv", "tl --signer callmanager.key:callmanager.pem " ITL_RECORDS));
    loaded l;
    if (!fx_load("d.tlv", &l)) {
        CHECK(!"d.tlv loads");
        return;
    }
    l.buf[l.f.hdr.digest_alg_elem->value_off] = 4;
    sbd_file f2;
    if (sbd_file_parse(l.buf, l.len, SBD_KIND_AUTO, &f2, &err) == SBD_OK) {
        expect("digest 4", sbd_verify_trust_list(&f2, &vr), &vr, SBD_SIG_UNSUPPORTED,
               "digest algorithm id 4");
        sbd_file_free(&f2);
    }
    /* Signature algorithm 1 (not RSA PKCS#1 v1.5). */
    l.buf[l.f.hdr.digest_alg_elem->value_off] = 1;
    l.buf[l.f.hdr.signature_alg_elem->value_off] = 1;
    if (sbd_file_parse(l.buf, l.len, SBD_KIND_AUTO, &f2, &err) == SBD_OK) {
        expect("sigalg 1", sbd_verify_trust_list(&f2, &vr), &vr, SBD_SIG_UNSUPPORTED,
               "signature algorithm 1");
        sbd_file_free(&f2);
    }
    fx_unload(&l);
}

/* An ITL nobody here produced: its SAST record must verify it. */
static void test_real_world_itl(void)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/tests/data/realworld/community-cluster-ITLFile.tlv", fx.src);
    loaded l;
    if (!fx_load_path(path, &l)) {
        CHECK(!"real-world ITL parses");
        fx_unload(&l);
        return;
    }
    CHECK_EQ_INT(l.f.kind, SBD_KIND_TRUST_LIST);
    CHECK_EQ_INT(l.f.hdr.digest_alg, SBD_HASH_SHA1);
    sbd_verify_result vr;
    expect("real world", sbd_verify_trust_list(&l.f, &vr), &vr, SBD_SIG_VALID,
           "signed by record #1 (SAST, CN=SAST,O=SAST,OU=SAST)");
    CHECK_EQ_INT(vr.signer_index, 0);
    CHECK(vr.signer == &l.f.records[0]);
    CHECK(vr.signer && vr.signer->function_elem && vr.signer->function == SBD_FN_SAST);
    /* The same bytes with one record byte changed no longer verify. */
    l.buf[l.len - 100] ^= 0x01;
    expect("real world tampered", sbd_verify_trust_list(&l.f, &vr), &vr, SBD_SIG_INVALID,
           "tampered");
    fx_unload(&l);
}

int main(void)
{
    if (!fx_setup("verify")) {
        CHECK(!"fixture setup");
        return check_report();
    }
    test_valid_lists();
    test_key_sizes();
    test_tampered();
    test_wrong_key_and_unknown_signer();
    test_etoken();
    test_sgn_against_itl();
    test_list_against_list();
    test_not_signed_and_unsupported();
    test_real_world_itl();
    fx_teardown();
    return check_report();
}
