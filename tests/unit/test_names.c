/* Names: the one comparison (strings as CUCM and others write them, and certificates' DER names)
 * and the one rendering (CN first, RFC 4514 escaping). Real names come from the seed listings
 * (docs/formats.md section 13) and from the real-world ITL in tests/data/realworld. */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "check.h"
#include "sbd/cert.h"
#include "sbd/file.h"
#include "sbd/names.h"

#define EQ(a, b) CHECK(sbd_dn_equal(a, b) && sbd_dn_equal(b, a))
#define NE(a, b) CHECK(!sbd_dn_equal(a, b) && !sbd_dn_equal(b, a))

/* Builds a DER-order name from "type", "value" pairs (value may hold NUL: explicit lengths). */
static X509_NAME *x509_name(const char *const *tv, const int *lens, size_t n)
{
    X509_NAME *nm = X509_NAME_new();
    for (size_t i = 0; nm && i < n; i++)
        if (!X509_NAME_add_entry_by_txt(nm, tv[2 * i], MBSTRING_UTF8,
                                        (const unsigned char *)tv[2 * i + 1], lens ? lens[i] : -1,
                                        -1, 0)) {
            X509_NAME_free(nm);
            return NULL;
        }
    return nm;
}

static const char *render(const char *s, char *out, size_t outsz)
{
    return sbd_dn_render_str(s, s ? strlen(s) : 0, out, outsz);
}

/* Rendering parses back to the same name: what people read is what was compared. */
static void check_round_trip(const char *s)
{
    char out[1024];
    render(s, out, sizeof out);
    sbd_dn a, b;
    CHECK(sbd_dn_parse(s, strlen(s), &a));
    CHECK(sbd_dn_parse(out, strlen(out), &b));
    CHECK(sbd_dn_same(&a, &b));
}

static void test_separators_and_order(void)
{
    EQ("CN=x;OU=y;O=z;C=US", "C=US,O=z,OU=y,CN=x");
    EQ("CN=x;OU=y;O=z;C=US", "/C=US/O=z/OU=y/CN=x");
    EQ("CN=x, OU=y , O = z", "CN=x;OU=y;O=z");
    EQ("cn=x;ou=y", "CN=x,OU=y");
    EQ("commonName=x,organizationalUnitName=y", "CN=x;OU=y");
    EQ("2.5.4.3=x;OID.2.5.4.11=y", "CN=x;OU=y");
    EQ("S=Malopolska", "ST=Malopolska");
    EQ("E=a@b.c", "emailAddress=a@b.c");
    EQ("CN=X", "cn=x"); /* caseIgnoreMatch */
    EQ("CN=x;", "CN=x");
    EQ("CN=x;;O=y", "CN=x;O=y");
    EQ("", NULL);
    EQ("CN=", "CN=");
    NE("CN=x", "OU=x");
    NE("CN=x", "");
}

static void test_quotes_and_escapes(void)
{
    EQ("CN=\"a, b\";O=c", "CN=a\\, b,O=c");
    EQ("CN=a\\2C b", "CN=a\\, b");
    EQ("CN=\"say \"\"hi\"\"\"", "CN=say \\\"hi\\\"");
    EQ("CN=\"say \\\"hi\\\"\"", "CN=say \\\"hi\\\"");
    EQ("CN=back\\\\slash", "CN=\"back\\\\slash\"");
    /* Windows-style quoting: a backslash inside quotes is itself unless it escapes a special. */
    EQ("CN=\"back\\slash\"", "CN=back\\\\slash");
    EQ("CN=\"a\\,b\"", "CN=a\\,b");
    EQ("O=Cisco Systems, Inc.;CN=x", "CN=x,O=Cisco Systems\\, Inc.");
    EQ("CN=host/path;O=y", "CN=host\\/path,O=y");
    EQ("CN=C++ dev", "CN=C\\+\\+ dev");
    EQ("CN=a+OU=b,O=c", "OU=b+CN=a,O=c");
    EQ("CN=a ", "CN=a");
    EQ("CN=  a", "CN=a");
    NE("CN=\"a \"", "CN=a"); /* quoted spaces are part of the value */
    NE("CN=\\ a", "CN=a");   /* so are escaped ones */
    NE("CN=a  b", "CN=a b"); /* inner spaces are not collapsed */
    NE("CN=a+OU=b", "CN=a,OU=b");
    EQ("CN=\"abc", "CN=abc"); /* a name cut inside the quotes (CUCM cuts long names) */
}

static void test_hostile(void)
{
    NE("CN=a;O=b", "CN=a;O=b;OU=c"); /* an extra RDN */
    NE("CN=a\\,O=b", "CN=a,O=b");    /* escaped separator: one RDN */
    NE("CN=a\\,O=b", "CN=a\\,O=c");  /* differs after the escape */
    NE("CN=a\\;O=b", "CN=a;O=b");
    NE("CN=a,CN=b", "CN=b");
    EQ("CN=a,CN=b", "CN=b,CN=a");
    NE("CN=a,CN=a", "CN=a"); /* a multiset, not a set */
    NE("CN=a\\00b", "CN=a");
    /* A NUL ends a string, as it ends CUCM's string elements. */
    CHECK(sbd_dn_equal_n("CN=a\0;O=evil", 12, "CN=a", 4));
    CHECK(sbd_dn_equal_n("CN=a", 4, "CN=ab", 4)); /* the length is a bound too */
    /* Unparseable strings are equal only when byte-identical. */
    EQ("JASBURNS-AD", "JASBURNS-AD");
    NE("JASBURNS-AD", "jasburns-ad");
    NE("CN=\"a\"b", "CN=ab");
    NE("CN=a\\", "CN=a");
    NE("=x", "CN=x");
    /* Limits: over SBD_DN_MAX_INPUT or SBD_DN_MAX_AVAS, a string is not parsed. */
    size_t big = SBD_DN_MAX_INPUT + 100;
    char *a = malloc(big + 1), *b = malloc(big + 1);
    if (!a || !b) {
        CHECK(!"malloc");
        free(a);
        free(b);
        return;
    }
    memcpy(a, "CN=", 3);
    memset(a + 3, 'x', big - 3);
    a[big] = '\0';
    memcpy(b, a, big + 1);
    sbd_dn dn;
    CHECK(!sbd_dn_parse(a, big, &dn) && dn.n == 0);
    EQ(a, b);
    b[big - 1] = 'y';
    NE(a, b);
    size_t o = 0;
    for (int i = 0; i < SBD_DN_MAX_AVAS + 1; i++)
        o += (size_t)snprintf(a + o, big - o, "%sCN=v%d", i ? ";" : "", i);
    CHECK(!sbd_dn_parse(a, o, &dn));
    memcpy(b, a, o + 1);
    EQ(a, b);
    b[o - 1] = '9';
    NE(a, b);
    /* Many separators or spaces: still parsed in one pass, never past the length given. */
    memset(a, ',', big);
    a[big] = '\0';
    CHECK(sbd_dn_parse(a, big - 200, &dn) == false || dn.n == 0);
    memcpy(a, "CN=", 3);
    memset(a + 3, ' ', 4000);
    memcpy(a + 4003, "x", 2);
    CHECK(sbd_dn_parse(a, 4005, &dn) && dn.n == 1);
    char stop[4] = {'C', 'N', '=', 'x'}; /* no terminator: the length is the bound */
    CHECK(sbd_dn_parse(stop, sizeof stop, &dn) && dn.n == 1);
    free(a);
    free(b);
}

/* The names in the seeds' real `show itl` / `show ctl` listings (docs/formats.md section 13). */
static void test_seed_listings(void)
{
    /* Seed 002 CTL record 5 and the same eToken in a fuller copy of that listing: SUBJECTNAME 56
     * = 55 characters + NUL, which is 8 spaces inside the first quotes and no closing quote after
     * "Cisco Systems" (the name is cut, or its writer never closes the last quote). The web page
     * of seed 002 shows the 8 spaces as one: that copy is not the same name. */
    const char *etoken = "cn=\"SAST-ADN008580ef        \";ou=IPCBU;o=\"Cisco Systems";
    CHECK_EQ_INT(strlen(etoken) + 1, 56);
    const char *tv[] = {"O", "Cisco Systems", "OU", "IPCBU", "CN", "SAST-ADN008580ef        "};
    X509_NAME *nm = x509_name(tv, NULL, 3);
    CHECK(nm != NULL);
    CHECK(sbd_dn_equal_x509(etoken, strlen(etoken), nm));
    const char *closed = "cn=\"SAST-ADN008580ef        \";ou=IPCBU;o=\"Cisco Systems\"";
    CHECK(sbd_dn_equal_x509(closed, strlen(closed), nm));
    EQ(etoken, closed);
    const char *web = "cn=\"SAST-ADN008580ef \";ou=IPCBU;o=\"Cisco Systems";
    CHECK(!sbd_dn_equal_x509(web, strlen(web), nm));
    char out[256];
    sbd_dn dn;
    CHECK(sbd_dn_from_x509(nm, &dn));
    sbd_dn_render(&dn, out, sizeof out);
    CHECK_STREQ(out, "CN=SAST-ADN008580ef       \\ ,OU=IPCBU,O=Cisco Systems");
    X509_NAME_free(nm);
    CHECK_STREQ(render(etoken, out, sizeof out),
                "CN=SAST-ADN008580ef       \\ ,OU=IPCBU,O=Cisco Systems");

    const char *ca = "cn=Cisco Manufacturing CA;o=Cisco Systems";
    const char *tv2[] = {"O", "Cisco Systems", "CN", "Cisco Manufacturing CA"};
    nm = x509_name(tv2, NULL, 2);
    CHECK(sbd_dn_equal_x509(ca, strlen(ca), nm));
    X509_NAME_free(nm);
    CHECK_STREQ(render(ca, out, sizeof out), "CN=Cisco Manufacturing CA,O=Cisco Systems");

    const char *pub = "CN=CUCM8-Publisher.bbbburns.lab;OU=TAC;O=Cisco;L=RTP;ST=North Carolina;C=US";
    const char *tv3[] = {"C",  "US",  "ST", "North Carolina",
                         "L",  "RTP", "O",  "Cisco",
                         "OU", "TAC", "CN", "CUCM8-Publisher.bbbburns.lab"};
    nm = x509_name(tv3, NULL, 6);
    CHECK(sbd_dn_equal_x509(pub, strlen(pub), nm));
    CHECK(sbd_dn_from_x509(nm, &dn));
    sbd_dn_render(&dn, out, sizeof out);
    CHECK_STREQ(out, "CN=CUCM8-Publisher.bbbburns.lab,OU=TAC,O=Cisco,L=RTP,ST=North Carolina,C=US");
    X509_NAME_free(nm);
    EQ(pub, "C=US,ST=North Carolina,L=RTP,O=Cisco,OU=TAC,CN=CUCM8-Publisher.bbbburns.lab");
    NE(pub, "CN=CUCM8-Publisher.bbbburns.lab;OU=TAC;O=Cisco;L=RTP;ST=North Carolina");
    EQ("CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL",
       "cn=CUCM-1051-A-PUB,ou=tac,o=cisco,l=krakow,s=malopolska,c=pl");
    check_round_trip(pub);
    check_round_trip(etoken);
}

/* Certificates' DER names against strings: quotes, commas, backslashes, NUL, multi-valued RDNs. */
static void test_der(void)
{
    const char *tv[] = {"C", "US", "O", "Cisco Systems, Inc.", "CN", "tvs \"quoted\" back\\slash"};
    X509_NAME *nm = x509_name(tv, NULL, 3);
    const char *cucm = "CN=\"tvs \\\"quoted\\\" back\\\\slash\";O=\"Cisco Systems, Inc.\";C=US";
    CHECK(sbd_dn_equal_x509(cucm, strlen(cucm), nm));
    const char *win = "CN=\"tvs \"\"quoted\"\" back\\slash\";O=\"Cisco Systems, Inc.\";C=US";
    CHECK(sbd_dn_equal_x509(win, strlen(win), nm)); /* what sbdgen writes (tests/tools) */
    const char *rfc = "CN=tvs \\\"quoted\\\" back\\\\slash,O=Cisco Systems\\, Inc.,C=US";
    CHECK(sbd_dn_equal_x509(rfc, strlen(rfc), nm));
    const char *split = "CN=tvs \"quoted\" back\\\\slash;O=Cisco Systems;OU=Inc.;C=US";
    CHECK(!sbd_dn_equal_x509(split, strlen(split), nm));
    char out[256];
    sbd_dn dn;
    CHECK(sbd_dn_from_x509(nm, &dn));
    CHECK(sbd_dn_render(&dn, out, sizeof out));
    CHECK_STREQ(out, rfc);
    /* unsigned char *der: the DER form goes through the same code */
    unsigned char *der = NULL;
    int dlen = i2d_X509_NAME(nm, &der);
    sbd_dn dd;
    CHECK(dlen > 0 && sbd_dn_from_der(der, (size_t)dlen, &dd) && sbd_dn_same(&dn, &dd));
    CHECK(!sbd_dn_from_der(der, (size_t)dlen - 1, &dd));
    OPENSSL_free(der);
    X509_NAME_free(nm);

    const char *tvn[] = {"CN", "a\0.evil"};
    int lens[] = {7};
    nm = x509_name(tvn, lens, 1);
    CHECK(!sbd_dn_equal_x509("CN=a", 4, nm));
    CHECK(sbd_dn_equal_x509("CN=a\\00.evil", 12, nm));
    CHECK(sbd_dn_from_x509(nm, &dn));
    sbd_dn_render(&dn, out, sizeof out);
    CHECK_STREQ(out, "CN=a\\00.evil");
    X509_NAME_free(nm);

    /* A type outside our table: OpenSSL's names and the dotted OID are the same type. */
    const char *tvb[] = {"businessCategory", "Voice", "CN", "x"};
    nm = x509_name(tvb, NULL, 2);
    CHECK(sbd_dn_equal_x509("CN=x;businessCategory=Voice", 27, nm));
    CHECK(sbd_dn_equal_x509("CN=x;2.5.4.15=voice", 19, nm));
    CHECK(!sbd_dn_equal_x509("CN=x;BUSINESSCATEGORY=Voice", 27, nm)); /* OpenSSL's names: exact */
    CHECK(sbd_dn_from_x509(nm, &dn));
    sbd_dn_render(&dn, out, sizeof out);
    CHECK_STREQ(out, "CN=x,businessCategory=Voice");
    X509_NAME_free(nm);

    /* A multi-valued RDN (CN+UID) and a name stored CN first (printed as stored). */
    nm = X509_NAME_new();
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)"x", -1, -1, 0);
    X509_NAME_add_entry_by_txt(nm, "UID", MBSTRING_UTF8, (const unsigned char *)"7", -1, -1, -1);
    X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_UTF8, (const unsigned char *)"y", -1, -1, 0);
    CHECK(sbd_dn_from_x509(nm, &dn));
    sbd_dn_render(&dn, out, sizeof out);
    CHECK_STREQ(out, "CN=x+UID=7,O=y");
    CHECK(sbd_dn_equal_x509("O=y;UID=7+CN=x", 14, nm));
    CHECK(!sbd_dn_equal_x509("O=y;UID=7;CN=x", 14, nm));
    X509_NAME_free(nm);
}

/* One name against many (lookups): parsed once, same answers as sbd_dn_equal_n. */
static void test_key(void)
{
    static sbd_dn_key k;
    sbd_dn_key_init(&k, "CN=x;O=\"a, b\"", 13);
    CHECK(k.parsed);
    CHECK(sbd_dn_key_equal_n(&k, "O=a\\, b,CN=X", 12));
    CHECK(!sbd_dn_key_equal_n(&k, "O=a,OU=b,CN=x", 13));
    CHECK(!sbd_dn_key_equal_n(&k, NULL, 0));
    sbd_dn_key_init(&k, "JASBURNS-AD", 11);
    CHECK(!k.parsed);
    CHECK(sbd_dn_key_equal_n(&k, "JASBURNS-AD\0junk", 16));
    CHECK(!sbd_dn_key_equal_n(&k, "JASBURNS-A", 10));
    sbd_dn_key_init(&k, NULL, 5);
    CHECK(k.parsed && k.dn.n == 0 && sbd_dn_key_equal_n(&k, "", 0));
}

static void test_rendering(void)
{
    char out[256];
    CHECK_STREQ(render("C=US,O=Internet Security Research Group,CN=ISRG Root X1", out, sizeof out),
                "CN=ISRG Root X1,O=Internet Security Research Group,C=US");
    CHECK_STREQ(render("CN=SAST,O=SAST,OU=SAST", out, sizeof out), "CN=SAST,O=SAST,OU=SAST");
    CHECK_STREQ(render("/C=US/O=z/CN=x", out, sizeof out), "CN=x,O=z,C=US");
    CHECK_STREQ(render("foo=1;bar=2", out, sizeof out), "foo=1,bar=2"); /* order kept: unknown */
    CHECK_STREQ(render("CN=#x;O= a;OU=b\\ ", out, sizeof out), "CN=\\#x,O=a,OU=b\\ ");
    CHECK_STREQ(render("CN=a\\0Ab\\7F<>;=+", out, sizeof out), "CN=a\\0Ab\\7F\\<\\>\\;\\=\\+");
    CHECK_STREQ(render("CN=\\C3\\A9t\\C3", out, sizeof out), "CN=\xC3\xA9t\\C3");
    /* Not a name: shown as text, one line, printable. */
    CHECK_STREQ(render("JASBURNS-AD\x01\xff", out, sizeof out), "JASBURNS-AD??");
    /* Cut at a character boundary, never inside an escape. */
    char small[7];
    sbd_dn dn;
    CHECK(sbd_dn_parse("CN=ab\\,cd", 9, &dn));
    CHECK(!sbd_dn_render(&dn, small, sizeof small));
    CHECK_STREQ(small, "CN=ab");
    check_round_trip("CN=a\\0Ab\\7F<>;=+");
    check_round_trip("CN=#x;O= a;OU=b\\ ;L=\"  \"");
    check_round_trip("O=Cisco Systems, Inc.;CN=host/a=b");
    CHECK_STREQ(render("CN=\"a/\"", out, sizeof out), "CN=a\\2F");
    check_round_trip("CN=\"a/\";O=\"/\"");
}

/* The real-world ITL: every record's SUBJECTNAME/ISSUERNAME (written by another producer) names
 * its certificate's DER subject/issuer, and the rendering of the two is identical. */
static void test_real_world_itl(void)
{
    const char *src = getenv("SBD_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/realworld/community-cluster-ITLFile.tlv",
             src ? src : ".");
    FILE *fp = fopen(path, "rb");
    CHECK(fp != NULL);
    if (!fp)
        return;
    static uint8_t buf[65536];
    size_t len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    sbd_file f;
    sbd_error err = {0};
    if (sbd_file_parse(buf, len, SBD_KIND_AUTO, &f, &err) != SBD_OK) {
        CHECK(!"real-world ITL parses");
        return;
    }
    size_t certs = 0;
    for (size_t i = 0; i < f.n_records; i++) {
        const sbd_record *r = &f.records[i];
        if (!r->certificate || !r->subject || !r->issuer)
            continue;
        const unsigned char *p = sbd_elem_value(&f, r->certificate);
        X509 *x = d2i_X509(NULL, &p, (long)r->certificate->len);
        CHECK(x != NULL);
        if (!x)
            continue;
        certs++;
        const char *subj = (const char *)sbd_elem_value(&f, r->subject);
        const char *iss = (const char *)sbd_elem_value(&f, r->issuer);
        CHECK(sbd_dn_equal_x509(subj, r->subject->len, X509_get_subject_name(x)));
        CHECK(sbd_dn_equal_x509(iss, r->issuer->len, X509_get_issuer_name(x)));
        CHECK(!sbd_dn_equal_x509(subj, r->subject->len, NULL));
        char a[512], b[512];
        sbd_dn dn;
        CHECK(sbd_dn_from_x509(X509_get_subject_name(x), &dn));
        sbd_dn_render(&dn, a, sizeof a);
        sbd_dn_render_str(subj, r->subject->len, b, sizeof b);
        CHECK_STREQ(a, b);
        CHECK(strncmp(a, "CN=", 3) == 0);
        CHECK_STREQ(sbd_elem_name(&f, r->subject, b, sizeof b), a);
        X509_free(x);
    }
    CHECK(certs >= 4);
    const sbd_record *sast = sbd_find_by_function(&f, SBD_FN_SAST, NULL);
    CHECK(sast && sbd_record_is_header_signer(&f, sast));
    char none[8];
    CHECK_STREQ(sbd_elem_name(&f, NULL, none, sizeof none), "");
    sbd_file_free(&f);
}

int main(void)
{
    test_separators_and_order();
    test_quotes_and_escapes();
    test_hostile();
    test_seed_listings();
    test_der();
    test_key();
    test_rendering();
    test_real_world_itl();
    return check_report();
}
