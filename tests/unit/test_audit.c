/* Audit predicates on trust lists built by sbdgen from a test PKI: TVS certificate checks,
 * rollback, size, expiry, file-name classification, and the rule table. Whether a phone accepts a
 * new list (docs/trust-rules.md, "A new trust list") is the engine's: test_trust.c. */
#include "check.h"
#include "gen_fixture.h"
#include "sbd/audit.h"
#include "sbd/cert.h"

typedef struct wire_cert {
    uint8_t *der;
    size_t len;
    sbd_cert_info ci;
    sbd_cert_id id;
} wire_cert;

static bool load_wire(const char *pem_name, wire_cert *w)
{
    char der_path[1200];
    snprintf(der_path, sizeof der_path, "%s/%s.der", fx.work, pem_name);
    if (!fx_run("openssl x509 -in '%s/%s.pem' -outform DER -out '%s'", fx.pki, pem_name, der_path))
        return false;
    if (!fx_read(der_path, &w->der, &w->len))
        return false;
    sbd_error err;
    if (sbd_cert_info_from_der(w->der, w->len, &w->ci, &err) != SBD_OK)
        return false;
    w->id = sbd_cert_id_of(&w->ci);
    return true;
}

#define SIGN_CM "--signer callmanager.key:callmanager.pem "
#define SIGN_CM2 "--signer callmanager2.key:callmanager2.pem "

static bool build_lists(void)
{
    return fx_gen("a.tlv", "tl " SIGN_CM "--record SAST:callmanager.pem --record "
                           "CCM+TFTP:callmanager.pem --record TVS:tvs.pem:certhash "
                           "--record CAPF:capf.pem:certhash") &&
           fx_gen("a-again.tlv",
                  "tl " SIGN_CM "--timestamp 1700000999 --record SAST:callmanager.pem "
                  "--record CCM+TFTP:callmanager.pem --record TVS:tvs.pem:certhash") &&
           fx_gen("a-full.tlv", "tl " SIGN_CM "--record SAST:callmanager.pem --record "
                                "TVS:tvs.pem:full") &&
           fx_gen("b.tlv", "tl " SIGN_CM2 "--record SAST:callmanager2.pem --record "
                           "CCM+TFTP:callmanager2.pem --record TVS:tvs.pem:certhash") &&
           fx_gen("c.tlv", "tl " SIGN_CM2 "--record SAST:callmanager2.pem --record "
                           "CCM+TFTP:callmanager2.pem --record TVS:tvs2.pem:certhash") &&
           fx_gen("rollback.tlv", "tl " SIGN_CM "--record SAST:callmanager.pem") &&
           fx_gen("rollback-ctl.tlv", "tl --ctl " SIGN_CM "--record SAST:callmanager.pem");
}

static void test_tvs_cert(const wire_cert *tvs, const wire_cert *tvs2)
{
    loaded a, full, roll;
    CHECK(fx_load("a.tlv", &a) && fx_load("a-full.tlv", &full) && fx_load("rollback.tlv", &roll));
    const sbd_record *rec = NULL;
    CHECK_EQ_INT(sbd_audit_tvs_cert(&a.f, &tvs->id, &rec), SBD_TVS_MATCH);
    CHECK(rec && rec == sbd_find_by_function(&a.f, SBD_FN_TVS, NULL));
    CHECK_EQ_INT(sbd_audit_tvs_cert(&full.f, &tvs->id, NULL), SBD_TVS_MATCH);
    CHECK_EQ_INT(sbd_audit_tvs_cert(&a.f, &tvs2->id, &rec), SBD_TVS_NOT_IN_LIST);
    CHECK(rec == NULL);
    CHECK_EQ_INT(sbd_audit_tvs_cert(&roll.f, &tvs->id, NULL), SBD_TVS_NO_TVS_RECORDS);
    /* Same issuer and serial but another certificate: the CERTHASH decides. */
    const sbd_record *r = sbd_find_by_function(&a.f, SBD_FN_TVS, NULL);
    CHECK(r && r->cert_hash && r->cert_hash->len == 20);
    if (r && r->cert_hash) {
        a.buf[r->cert_hash->value_off] ^= 0xFF;
        CHECK_EQ_INT(sbd_audit_tvs_cert(&a.f, &tvs->id, NULL), SBD_TVS_HASH_MISMATCH);
        a.buf[r->cert_hash->value_off] ^= 0xFF;
    }
    /* Without a wire hash (only issuer + serial known) the lookup alone decides. */
    sbd_cert_id no_hash = tvs->id;
    no_hash.sha1 = no_hash.sha256 = NULL;
    CHECK_EQ_INT(sbd_audit_tvs_cert(&a.f, &no_hash, NULL), SBD_TVS_MATCH);
    /* The issuer must match too. */
    sbd_cert_id other_issuer = tvs->id;
    other_issuer.issuer = "CN=someone else;O=SBD Test";
    CHECK_EQ_INT(sbd_audit_tvs_cert(&a.f, &other_issuer, NULL), SBD_TVS_NOT_IN_LIST);
    CHECK(sbd_audit_cert_in_list(&a.f, &tvs->id));
    CHECK(!sbd_audit_cert_in_list(&a.f, &tvs2->id));
    fx_unload(&a);
    fx_unload(&full);
    fx_unload(&roll);
}

/* One name for an HTTP target in pcapscan and the plugin: the last component, harmless escapes. */
static void test_http_target_name(void)
{
    char out[64], small[5];
    sbd_audit_name_of_http_target("/cucm/ITLSEP0011%32233.tlv?x=/y#z", out, sizeof out);
    CHECK_STREQ(out, "ITLSEP00112233.tlv");
    sbd_audit_name_of_http_target("/a%2Fb%5Cc%0Ad%7f%4", out, sizeof out);
    CHECK_STREQ(out, "a%2Fb%5Cc%0Ad%7f%4"); /* '/', '\\', control, DEL and a cut escape stay */
    sbd_audit_name_of_http_target("/dir/", out, sizeof out);
    CHECK_STREQ(out, "");
    sbd_audit_name_of_http_target("SEP001122334455.cnf.xml", small, sizeof small);
    CHECK_STREQ(small, "SEP0");
}

static void test_rollback_and_size(void)
{
    loaded a, roll, roll_ctl, big;
    CHECK(fx_load("a.tlv", &a) && fx_load("rollback.tlv", &roll) &&
          fx_load("rollback-ctl.tlv", &roll_ctl));
    CHECK(!sbd_audit_is_rollback(&a.f));
    CHECK(sbd_audit_is_rollback(&roll.f));
    CHECK(!sbd_audit_is_rollback(&roll_ctl.f));
    CHECK(!sbd_audit_itl_too_large(&a.f));
    char args[8192] = "tl " SIGN_CM;
    for (int i = 0; i < 40; i++)
        strcat(args, " --record APP-SERVER:tomcat.pem:certhash");
    CHECK(fx_gen("forty.tlv", args) && fx_load("forty.tlv", &big));
    CHECK_EQ_INT(big.f.n_records, 40);
    CHECK(sbd_audit_itl_too_large(&big.f));
    fx_unload(&big);
    /* 39 certificates is still fine. */
    args[strlen(args) - strlen(" --record APP-SERVER:tomcat.pem:certhash")] = '\0';
    CHECK(fx_gen("thirtynine.tlv", args) && fx_load("thirtynine.tlv", &big));
    CHECK_EQ_INT(big.f.n_records, 39);
    CHECK(!sbd_audit_itl_too_large(&big.f));
    fx_unload(&big);
    fx_unload(&a);
    fx_unload(&roll);
    fx_unload(&roll_ctl);
}

static void test_expiry(void)
{
    const int64_t now = 1800000000;
    CHECK_EQ_INT(sbd_audit_expiry(now - 1, now, 30), 2);
    CHECK_EQ_INT(sbd_audit_expiry(now + 86400, now, 30), 1);
    CHECK_EQ_INT(sbd_audit_expiry(now + 29 * 86400, now, 30), 1);
    CHECK_EQ_INT(sbd_audit_expiry(now + 31 * 86400, now, 30), 0);
    CHECK_EQ_INT(sbd_audit_expiry(now + 86400, now, 0), 0);
}

static void test_names(void)
{
    char mac[16];
    CHECK_EQ_INT(sbd_audit_classify_name("CTLSEP0011215a1ae3.tlv", mac), SBD_NAME_CTL_PER_PHONE);
    CHECK_STREQ(mac, "SEP0011215A1AE3");
    CHECK_EQ_INT(sbd_audit_classify_name("ITLSEP0011215A1AE3.tlv", mac), SBD_NAME_ITL_PER_PHONE);
    CHECK_EQ_INT(sbd_audit_classify_name("/ITLFile.tlv", mac), SBD_NAME_ITL_FILE);
    CHECK_STREQ(mac, "");
    CHECK_EQ_INT(sbd_audit_classify_name("ctlfile.tlv", mac), SBD_NAME_CTL_FILE);
    CHECK_EQ_INT(sbd_audit_classify_name("SEP001122334455.cnf.xml.sgn", mac), SBD_NAME_CONFIG_SGN);
    CHECK_STREQ(mac, "SEP001122334455");
    CHECK_EQ_INT(sbd_audit_classify_name("SEP001122334455.cnf.xml.enc.sgn", mac),
                 SBD_NAME_CONFIG_ENC);
    CHECK_EQ_INT(sbd_audit_classify_name("SEP001122334455.cnf.xml", mac), SBD_NAME_CONFIG_PLAIN);
    CHECK_EQ_INT(sbd_audit_classify_name("New_Zealand/g3-tones.xml.sgn", mac), SBD_NAME_OTHER_SGN);
    CHECK_EQ_INT(sbd_audit_classify_name("ITLSEP0011.tlv", mac), SBD_NAME_OTHER);
    CHECK_EQ_INT(sbd_audit_classify_name("SEPXYZ.cnf.xml", mac), SBD_NAME_OTHER);
    CHECK_EQ_INT(sbd_audit_classify_name("", mac), SBD_NAME_OTHER);
    CHECK(sbd_audit_name_is_trust_or_signed(SBD_NAME_CONFIG_ENC));
    CHECK(!sbd_audit_name_is_trust_or_signed(SBD_NAME_CONFIG_PLAIN));
}

static void test_rule_table(void)
{
    CHECK_EQ_INT(SBD_RULE_COUNT, 24);
    for (int r = 0; r < SBD_RULE_COUNT; r++) {
        CHECK(sbd_rule_title((sbd_rule)r)[0] != '\0');
        CHECK(sbd_rule_meaning((sbd_rule)r)[0] != '\0');
        CHECK(sbd_rule_remedy((sbd_rule)r)[0] != '\0');
    }
    CHECK_STREQ(sbd_rule_id(SBD_RULE_TRUST_CHAIN_BROKEN), "TRUST_CHAIN_BROKEN");
    CHECK_EQ_INT(sbd_rule_severity(SBD_RULE_TRUST_CHAIN_BROKEN), SBD_SEV_ERROR);
    CHECK_EQ_INT(sbd_rule_severity(SBD_RULE_TRUST_VIA_TVS), SBD_SEV_WARNING);
    CHECK_EQ_INT(sbd_rule_severity(SBD_RULE_TLS_CERT_HIDDEN), SBD_SEV_INFO);
    sbd_rule r;
    CHECK(sbd_rule_from_id("CAPTURE_TRUNCATED", &r) && r == SBD_RULE_CAPTURE_TRUNCATED);
    CHECK(sbd_rule_from_id("CTL_NOT_UPDATED", &r) && r == SBD_RULE_CTL_NOT_UPDATED);
    CHECK_EQ_INT(sbd_rule_severity(SBD_RULE_CTL_NOT_UPDATED), SBD_SEV_WARNING);
    CHECK(!sbd_rule_from_id("NO_SUCH_RULE", &r));
    for (int i = 0; i < SBD_RULE_COUNT; i++)
        CHECK(strlen(sbd_rule_meaning((sbd_rule)i)) > 40);
    CHECK_STREQ(sbd_severity_name(SBD_SEV_WARNING), "warning");
}

int main(void)
{
    test_expiry();
    test_names();
    test_rule_table();
    if (!fx_setup("audit") || !build_lists()) {
        CHECK(!"fixture");
        return check_report();
    }
    wire_cert tvs = {0}, tvs2 = {0};
    CHECK(load_wire("tvs", &tvs) && load_wire("tvs2", &tvs2));
    test_tvs_cert(&tvs, &tvs2);
    test_rollback_and_size();
    test_http_target_name();
    free(tvs.der);
    free(tvs2.der);
    fx_teardown();
    return check_report();
}
