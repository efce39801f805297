/* sbd_key_cache: the cached verifications give the same verdicts and details as the uncached
 * ones, and keep one key per distinct record key (certificate or tag-7 PUBLICKEY). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "gen_fixture.h"
#include "sbd/verify.h"

#define ITL_RECORDS                                                                                \
    "--record SAST:callmanager.pem --record CCM+TFTP:callmanager.pem "                             \
    "--record TVS:tvs.pem:certhash --record CAPF:capf.pem:certhash"

static bool same_result(const sbd_verify_result *a, const sbd_verify_result *b)
{
    return a->status == b->status && a->signer == b->signer && a->signer_index == b->signer_index &&
           strcmp(a->detail, b->detail) == 0;
}

/* Verifies f against itl with and without the cache (twice with it: miss, then hit). */
static void check_same(const char *what, const sbd_file *f, const sbd_file *itl, bool tftp,
                       sbd_key_cache *kc, sbd_sig_status want)
{
    sbd_verify_result plain, miss, hit;
    sbd_sig_status st = sbd_verify_with(f, itl, tftp, &plain);
    CHECK_EQ_INT(st, want);
    CHECK_EQ_INT(sbd_verify_with_cached(f, itl, tftp, kc, &miss), st);
    CHECK_EQ_INT(sbd_verify_with_cached(f, itl, tftp, kc, &hit), st);
    bool ok = same_result(&plain, &miss) && same_result(&plain, &hit);
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  %s: \"%s\" / \"%s\" / \"%s\"\n", what, plain.detail, miss.detail,
                hit.detail);
}

static bool make_files(void)
{
    char args[1400];
    bool ok = fx_gen("itl.tlv", "tl --signer callmanager.key:callmanager.pem " ITL_RECORDS) &&
              fx_run("printf '<device><fullConfig>true</fullConfig></device>\\n' > '%s/cnf.xml'",
                     fx.work);
    snprintf(args, sizeof args, "sgn --signer callmanager.key:callmanager.pem --in '%s/cnf.xml'",
             fx.work);
    ok = ok && fx_gen("good.sgn", args);
    snprintf(args, sizeof args, "sgn --signer tvs.key:tvs.pem --in '%s/cnf.xml'", fx.work);
    ok = ok && fx_gen("tvs.sgn", args);
    snprintf(args, sizeof args, "sgn --signer rsa2048.key:rsa2048.pem --in '%s/cnf.xml'", fx.work);
    ok = ok && fx_gen("stranger.sgn", args);
    snprintf(args, sizeof args,
             "sgn --signer callmanager.key:callmanager.pem --in '%s/cnf.xml' --tamper -2", fx.work);
    return ok && fx_gen("tampered.sgn", args);
}

static void test_cached_verdicts(void)
{
    static const struct {
        const char *name;
        bool tftp;
        sbd_sig_status want;
    } cases[] = {
        {"good.sgn", true, SBD_SIG_VALID},
        {"tvs.sgn", false, SBD_SIG_VALID}, /* TVS record: key from tag 7 PUBLICKEY */
        {"tvs.sgn", true, SBD_SIG_SIGNER_UNKNOWN},
        {"stranger.sgn", true, SBD_SIG_SIGNER_UNKNOWN},
        {"tampered.sgn", true, SBD_SIG_INVALID},
    };
    CHECK(make_files());
    loaded itl;
    if (!fx_load("itl.tlv", &itl)) {
        CHECK(!"itl loads");
        return;
    }
    sbd_key_cache *kc = sbd_key_cache_new();
    CHECK(kc != NULL);
    sbd_verify_result plain, cached;
    CHECK_EQ_INT(sbd_verify_trust_list(&itl.f, &plain), SBD_SIG_VALID);
    CHECK_EQ_INT(sbd_verify_trust_list_cached(&itl.f, kc, &cached), SBD_SIG_VALID);
    CHECK(same_result(&plain, &cached));
    CHECK_EQ_INT(sbd_key_cache_count(kc), 1); /* the SAST certificate */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loaded f;
        if (fx_load(cases[i].name, &f))
            check_same(cases[i].name, &f.f, &itl.f, cases[i].tftp, kc, cases[i].want);
        else
            CHECK(!"file loads");
        fx_unload(&f);
    }
    /* SAST and CCM+TFTP hold the same certificate: one key; the TVS PUBLICKEY is the other. */
    CHECK_EQ_INT(sbd_key_cache_count(kc), 2);
    sbd_key_cache_free(kc);
    CHECK_EQ_INT(sbd_key_cache_count(NULL), 0);
    fx_unload(&itl);
}

int main(void)
{
    if (!fx_setup("keycache")) {
        CHECK(!"fixture setup");
        return check_report();
    }
    test_cached_verdicts();
    fx_teardown();
    return check_report();
}
