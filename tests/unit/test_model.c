/* pcapscan/app/model's compact storage: the string pool, findings' coded messages, the input's
 * shared copies (digests, addresses, transfer outcomes) and its record chunks. Each is checked
 * against the plain thing it replaced: a strdup, the message text, a copy per record, an array. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model/observe.h"
#include "model/run.h"
#include "model/strpool.h"

static void test_pool(void)
{
    strpool p;
    memset(&p, 0, sizeof p);
    const char *a = strpool_get(&p, "SEP001BD4000001", SIZE_MAX);
    const char *b = strpool_get(&p, "SEP001BD4000001", SIZE_MAX);
    CHECK(a && a == b);
    CHECK_STREQ(strpool_get(&p, "", SIZE_MAX), "");
    /* max: the first bytes only, and the same copy as that prefix asked for whole */
    const char *c = strpool_get(&p, "SEP001BD4000001-and-more", 15);
    CHECK(c == a);
    /* many strings: the index grows, earlier copies stay where they were, each found again */
    char buf[64];
    const char *kept[3000];
    for (int i = 0; i < 3000; i++) {
        snprintf(buf, sizeof buf, "phone-%d", i);
        kept[i] = strpool_get(&p, buf, SIZE_MAX);
    }
    int same = 0;
    for (int i = 0; i < 3000; i++) {
        snprintf(buf, sizeof buf, "phone-%d", i);
        same += kept[i] && strcmp(kept[i], buf) == 0 && strpool_get(&p, buf, SIZE_MAX) == kept[i];
    }
    CHECK_EQ_INT(same, 3000);
    /* a string longer than a chunk gets one of its own; the current chunk stays in use */
    char *big = malloc(40000);
    memset(big, 'x', 39999);
    big[39999] = '\0';
    const char *bc = strpool_get(&p, big, SIZE_MAX);
    CHECK(bc && strlen(bc) == 39999);
    const char *after = strpool_get(&p, "after the big one", SIZE_MAX);
    CHECK_STREQ(after, "after the big one");
    free(big);
    /* sealed: copies stay readable; a later get makes a new index */
    strpool_seal(&p);
    CHECK_STREQ(a, "SEP001BD4000001");
    CHECK_STREQ(strpool_get(&p, "new after seal", SIZE_MAX), "new after seal");
    const char *added = strpool_add(&p, "not looked up");
    CHECK(added && strpool_add(&p, "not looked up") != added);
    strpool_free(&p);
}

/* text kept through finding_keep_message reads back as text. */
static void round_trip(strpool *p, const char **base, const char *text, int *ok)
{
    finding x;
    memset(&x, 0, sizeof x);
    x.msg = finding_keep_message(p, base, text);
    char buf[FINDING_MESSAGE_MAX];
    char want[FINDING_MESSAGE_MAX];
    snprintf(want, sizeof want, "%s", text);
    const char *got = x.msg ? finding_message(&x, buf) : NULL;
    if (got && strcmp(got, want) == 0)
        ++*ok;
    else
        fprintf(stderr, "message round trip: \"%.80s\" read back as \"%.80s\"\n", want,
                got ? got : "(null)");
}

static void test_messages(void)
{
    strpool p;
    memset(&p, 0, sizeof p);
    const char *base = NULL;
    int ok = 0, n = 0;
    char t[2000];
    /* a reset's repeats: same text around a changing phone name */
    for (int i = 0; i < 500; i++, n++) {
        snprintf(t, sizeof t,
                 "SEP001BD4%06d got ITLSEP001BD4%06d.tlv (signer not in the ITL it held); TVS "
                 "served CN=cucm-pub (serial 2E:3E:1A), which still matches: accepted through TVS",
                 i, i);
        round_trip(&p, &base, t, &ok);
    }
    const char *whole = base;
    snprintf(t, sizeof t, "SEP001BD4000000 got ITLSEP001BD4000000.tlv (signer not in the ITL");
    round_trip(&p, &base, t, &ok), n++;
    CHECK(base == whole); /* coded against the first whole one */
    snprintf(t, sizeof t, "nothing in common");
    round_trip(&p, &base, t, &ok), n++;
    CHECK(base != whole && strcmp(base, t) == 0); /* kept whole: the new base */
    /* edge cases: a prefix that is the whole base, overlapping prefix and suffix, empty text,
     * a text with nothing in common (kept whole, the new base), the longest message */
    const char *edge[] = {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                          "aaaaaaaaaaaaaaaaaaaaaaaaa",
                          "",
                          "zzzz",
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++, n++)
        round_trip(&p, &base, edge[i], &ok);
    memset(t, 'm', sizeof t - 1);
    t[sizeof t - 1] = '\0';
    round_trip(&p, &base, t, &ok), n++; /* cut to FINDING_MESSAGE_MAX - 1, as formatted */
    t[500] = 'Q';
    round_trip(&p, &base, t, &ok), n++;
    CHECK_EQ_INT(ok, n);
    strpool_free(&p);
}

static void test_input(void)
{
    obs_input in;
    obs_input_init(&in, 3, "x.pcap");
    /* records in chunks: pointers taken early stay valid and in order */
    obs_file *first = obs_add_file(&in);
    if (!first || !first->outcome) {
        CHECK(!"a first record");
        obs_input_free(&in);
        return;
    }
    CHECK(first->input == 3 && first->phone && first->client);
    CHECK_EQ_INT(first->outcome->error_code, -1);
    for (int i = 1; i < 2500; i++) {
        obs_file *f = obs_add_file(&in);
        CHECK(f != NULL);
        if (f)
            f->size = (uint64_t)i;
    }
    CHECK(obs_file_at(&in, 0) == first);
    CHECK_EQ_INT(in.n_files, 2500);
    CHECK_EQ_INT(obs_file_at(&in, 2499)->size, 2499);
    CHECK_EQ_INT(obs_file_at(&in, 1024)->seq, 1024);
    obs_tls *t = obs_add_tls(&in);
    CHECK(t && t->seq == 2500 && obs_tls_at(&in, 0) == t);
    /* shared copies: equal values share one, different ones do not */
    uint8_t sha[32] = {1}, md5[16] = {2}, md5b[16] = {3};
    const obs_digest *d1 = obs_input_digest(&in, sha, md5), *d2 = obs_input_digest(&in, sha, md5);
    CHECK(d1 && d1 == d2 && memcmp(d1->md5, md5, 16) == 0);
    const obs_digest *d3 = obs_input_digest(&in, sha, md5b);
    CHECK(d3 && d3 != d1 && memcmp(d3->md5, md5b, 16) == 0);
    cap_addr a = {4, {10, 0, 0, 1}}, b = {4, {10, 0, 0, 2}};
    const cap_addr *a1 = obs_input_addr(&in, &a), *a2 = obs_input_addr(&in, &a);
    CHECK(a1 == a2 && a1 != obs_input_addr(&in, &b) && a1->a[3] == 1);
    obs_outcome o1, o2;
    obs_outcome_init(&o1);
    o1.error_code = 1;
    o1.error_msg = obs_input_text(&in, "File not found");
    obs_outcome_init(&o2);
    o2.error_code = 1;
    o2.error_msg = obs_input_text(&in, "File not found");
    const obs_outcome *p1 = obs_input_outcome(&in, &o1), *p2 = obs_input_outcome(&in, &o2);
    CHECK(p1 == p2 && p1->error_code == 1 && strcmp(p1->error_msg, "File not found") == 0);
    o2.blksize = 1428;
    CHECK(obs_input_outcome(&in, &o2) != p1);
    /* sealed: what was made stays; more can still be added */
    obs_input_seal(&in);
    CHECK(p1->error_code == 1 && d1->sha256[0] == 1);
    CHECK(obs_input_addr(&in, &a) != NULL);
    /* rare fields: zero until made */
    CHECK(obs_more(first)->missing == NULL && obs_more(first)->bad_packets == 0);
    obs_file_more *m = obs_more_make(first);
    CHECK(m && obs_more(first) == m);
    obs_input_free(&in);
}

int main(void)
{
    test_pool();
    test_messages();
    test_input();
    printf("test_model: %d passed, %d failed\n", check_passed, check_failed);
    return check_failed != 0;
}
