/* Distinguished names: parse (strings and DER), compare, render. The strings are hostile: every
 * read is bounded by the given length and the first NUL, nothing recurses, and the number of AVAs
 * and the decoded bytes have fixed limits. docs/formats.md "Names" says why each rule is so. */
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "sbd/names.h"
#include "sbd/cert.h"
#include "sbd/utf8.h"

/* ---- attribute types ---- */

typedef struct attr_def {
    const char *oid;
    const char *sn;       /* printed name (OpenSSL's short name, RFC 4514's where it has one) */
    const char *alias[3]; /* other spellings producers use */
    int rank;             /* 0 most general (C, DC) .. 5 most specific (CN); -1 not ranked */
} attr_def;

static const attr_def attrs[] = {
    {"2.5.4.3", "CN", {"commonName"}, 5},
    {"2.5.4.4", "SN", {"surname"}, -1},
    {"2.5.4.5", "serialNumber", {"SERIALNUMBER"}, 5},
    {"2.5.4.6", "C", {"countryName"}, 0},
    {"2.5.4.7", "L", {"localityName"}, 2},
    {"2.5.4.8", "ST", {"S", "stateOrProvinceName"}, 1},
    {"2.5.4.9", "street", {"streetAddress"}, -1},
    {"2.5.4.10", "O", {"organizationName"}, 3},
    {"2.5.4.11", "OU", {"organizationalUnitName"}, 4},
    {"2.5.4.12", "title", {"T"}, -1},
    {"2.5.4.17", "postalCode", {NULL}, -1},
    {"2.5.4.41", "name", {NULL}, -1},
    {"2.5.4.42", "GN", {"givenName", "G"}, -1},
    {"2.5.4.43", "initials", {"I"}, -1},
    {"2.5.4.46", "dnQualifier", {NULL}, -1},
    {"2.5.4.65", "pseudonym", {NULL}, -1},
    {"0.9.2342.19200300.100.1.25", "DC", {"domainComponent"}, 0},
    {"0.9.2342.19200300.100.1.1", "UID", {"userId"}, 5},
    {"1.2.840.113549.1.9.1", "emailAddress", {"E", "EMAIL"}, 5},
    {"1.2.840.113549.1.9.2", "unstructuredName", {NULL}, -1},
};
#define N_ATTRS (sizeof attrs / sizeof attrs[0])

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Walks b only as far as the first difference: the attribute table is searched for every type. */
static bool same_nocase(const char *a, size_t alen, const char *b)
{
    size_t i = 0;
    for (; i < alen && b[i]; i++)
        if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
            return false;
    return i == alen && b[i] == '\0';
}

static bool same_bytes(const char *a, size_t alen, const char *b)
{
    size_t i = 0;
    for (; i < alen && b[i]; i++)
        if (a[i] != b[i])
            return false;
    return i == alen && b[i] == '\0';
}

static int attr_by_name(const char *t, size_t n)
{
    for (size_t i = 0; i < N_ATTRS; i++) {
        if (same_nocase(t, n, attrs[i].sn))
            return (int)i;
        for (size_t k = 0; k < 3 && attrs[i].alias[k]; k++)
            if (same_nocase(t, n, attrs[i].alias[k]))
                return (int)i;
    }
    return -1;
}

static int attr_by_oid(const char *oid, size_t n)
{
    for (size_t i = 0; i < N_ATTRS; i++)
        if (same_bytes(oid, n, attrs[i].oid))
            return (int)i;
    return -1;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_type_char(int c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.';
}

static bool is_dotted(const char *t, size_t n)
{
    if (n == 0 || !is_digit(t[0]) || !is_digit(t[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(t[i]) && !(t[i] == '.' && i > 0 && t[i - 1] != '.'))
            return false;
    return true;
}

/* ---- the decoded-text store ---- */

static void dn_reset(sbd_dn *dn)
{
    dn->n = 0;
    dn->n_rdn = 0;
    dn->der_order = false;
    dn->used = 0;
}

static bool fail(sbd_dn *dn)
{
    dn_reset(dn);
    return false;
}

static bool put(sbd_dn *dn, const void *p, size_t n)
{
    if (n > SBD_DN_MAX_TEXT - dn->used)
        return false;
    if (n)
        memcpy(dn->text + dn->used, p, n);
    dn->used += n;
    return true;
}

static bool put_byte(sbd_dn *dn, unsigned char c)
{
    return put(dn, &c, 1);
}

/* Stores a type: its comparison key (dotted OID when known, else upper-cased text) and the
 * spelling to print. */
static bool put_type(sbd_dn *dn, sbd_dn_ava *a, const char *t, size_t n)
{
    char oid[96];
    a->known = (int16_t)(is_dotted(t, n) ? attr_by_oid(t, n) : attr_by_name(t, n));
    a->name_off = (uint16_t)dn->used;
    a->name_len = (uint16_t)n;
    if (!put(dn, t, n))
        return false;
    a->key_off = (uint16_t)dn->used;
    if (a->known >= 0) {
        a->key_len = (uint16_t)strlen(attrs[a->known].oid);
        return put(dn, attrs[a->known].oid, a->key_len);
    }
    if (is_dotted(t, n)) {
        a->key_len = (uint16_t)n;
        return put(dn, t, n);
    }
    /* A name OpenSSL knows (businessCategory, ...) compares equal to its OID from DER. Looked up
     * in OpenSSL's static tables: no allocation per hostile type name. */
    char name[64];
    int nid = NID_undef;
    if (n < sizeof name) {
        memcpy(name, t, n);
        name[n] = '\0';
        nid = OBJ_sn2nid(name);
        if (nid == NID_undef)
            nid = OBJ_ln2nid(name);
    }
    const ASN1_OBJECT *obj = nid != NID_undef ? OBJ_nid2obj(nid) : NULL;
    int olen = obj ? OBJ_obj2txt(oid, sizeof oid, obj, 1) : -1;
    if (olen > 0 && (size_t)olen < sizeof oid) {
        a->key_len = (uint16_t)olen;
        return put(dn, oid, (size_t)olen);
    }
    a->key_len = (uint16_t)n;
    for (size_t i = 0; i < n; i++)
        if (!put_byte(dn, (unsigned char)(is_alpha(t[i]) && t[i] >= 'a' ? t[i] - 32 : t[i])))
            return false;
    return true;
}

static bool add_ava(sbd_dn *dn, const sbd_dn_ava *a)
{
    if (dn->n >= SBD_DN_MAX_AVAS)
        return false;
    dn->ava[dn->n++] = *a;
    return true;
}

/* ---- parsing a string ---- */

typedef struct cursor {
    const char *s;
    size_t len, i;
} cursor;

static int at(const cursor *c, size_t i)
{
    return i < c->len ? (unsigned char)c->s[i] : -1;
}

static bool is_rdn_sep(int ch)
{
    return ch == ',' || ch == ';' || ch == '/';
}

static void skip_spaces(cursor *c)
{
    while (at(c, c->i) == ' ')
        c->i++;
}

/* Does a separator at i end the value? Only when "type =" follows (or, for an RDN separator, the
 * end or another separator): producers leave ',' and '/' unescaped inside values ("O=Cisco
 * Systems, Inc.;CN=x", "CN=host/path"). Scans at most the next word, so parsing stays linear. */
static bool sep_ends_value(const cursor *c, size_t i)
{
    bool rdn_sep = is_rdn_sep(at(c, i));
    size_t k = i + 1;
    while (at(c, k) == ' ')
        k++;
    if (at(c, k) < 0 || is_rdn_sep(at(c, k)))
        return rdn_sep;
    size_t start = k;
    while (is_type_char(at(c, k)))
        k++;
    if (k == start)
        return false;
    while (at(c, k) == ' ')
        k++;
    return at(c, k) == '=';
}

/* "\," "\\" "\ " ... (any character) or "\2C" (a byte in hex). */
static bool parse_escape(cursor *c, sbd_dn *dn)
{
    int a = at(c, c->i + 1);
    if (a < 0)
        return false;
    int hi = sbd_hex_digit(a), lo = sbd_hex_digit(at(c, c->i + 2));
    if (hi >= 0 && lo >= 0) {
        c->i += 3;
        return put_byte(dn, (unsigned char)(hi << 4 | lo));
    }
    c->i += 2;
    return put_byte(dn, (unsigned char)a);
}

/* Inside quotes RFC 1779 escapes only the specials, '"' and '\\' ("\\\""); Windows' name strings
 * put a backslash there as it is. So "\\x" for any other x is both characters. */
static bool quoted_escape(int ch)
{
    return ch == '"' || ch == '\\' || (ch > 0 && strchr(",;+<>=#/", ch));
}

/* "..." with \" \\ escapes and "" for a quote. A name cut inside the quotes (seed 002's eToken
 * record ends `o="Cisco Systems`) runs to the end. After the closing quote only spaces may come
 * before a separator. */
static bool parse_quoted(cursor *c, sbd_dn *dn)
{
    c->i++;
    for (;;) {
        int ch = at(c, c->i);
        if (ch < 0)
            return true;
        if (ch == '\\' && quoted_escape(at(c, c->i + 1))) {
            c->i += 2;
            if (!put_byte(dn, (unsigned char)c->s[c->i - 1]))
                return false;
        } else if (ch == '"' && at(c, c->i + 1) == '"') {
            c->i += 2;
            if (!put_byte(dn, '"'))
                return false;
        } else if (ch == '"') {
            c->i++;
            break;
        } else {
            c->i++;
            if (!put_byte(dn, (unsigned char)ch))
                return false;
        }
    }
    skip_spaces(c);
    int ch = at(c, c->i);
    return ch < 0 || is_rdn_sep(ch) || ch == '+';
}

/* Unquoted: up to a separator that ends the value; unescaped spaces at either end do not count. */
static bool parse_plain(cursor *c, sbd_dn *dn)
{
    size_t keep = dn->used;
    for (int ch; (ch = at(c, c->i)) >= 0;) {
        if (ch == '\\') {
            if (!parse_escape(c, dn))
                return false;
            keep = dn->used;
            continue;
        }
        if ((is_rdn_sep(ch) || ch == '+') && sep_ends_value(c, c->i))
            break;
        c->i++;
        if (!put_byte(dn, (unsigned char)ch))
            return false;
        if (ch != ' ')
            keep = dn->used;
    }
    dn->used = keep;
    return true;
}

static bool parse_ava(cursor *c, sbd_dn *dn, sbd_dn_ava *a)
{
    skip_spaces(c);
    size_t start = c->i;
    while (is_type_char(at(c, c->i)))
        c->i++;
    size_t n = c->i - start;
    const char *t = c->s + start;
    if (n > 4 && (memcmp(t, "OID.", 4) == 0 || memcmp(t, "oid.", 4) == 0) && is_digit(t[4])) {
        t += 4;
        n -= 4;
    }
    skip_spaces(c);
    if (n == 0 || at(c, c->i) != '=')
        return false;
    c->i++;
    if (!put_type(dn, a, t, n))
        return false;
    skip_spaces(c);
    a->val_off = (uint16_t)dn->used;
    bool ok = at(c, c->i) == '"' ? parse_quoted(c, dn) : parse_plain(c, dn);
    a->val_len = (uint16_t)(dn->used - a->val_off);
    return ok;
}

static void skip_rdn_seps(cursor *c)
{
    while (at(c, c->i) == ' ' || is_rdn_sep(at(c, c->i)))
        c->i++;
}

bool sbd_dn_parse(const char *s, size_t len, sbd_dn *dn)
{
    dn_reset(dn);
    if (!s)
        return true;
    const char *nul = memchr(s, 0, len);
    if (nul)
        len = (size_t)(nul - s);
    if (len > SBD_DN_MAX_INPUT)
        return false;
    cursor c = {s, len, 0};
    uint16_t rdn = 0;
    skip_rdn_seps(&c); /* OpenSSL's one-line form starts with '/' */
    while (c.i < c.len) {
        sbd_dn_ava a;
        memset(&a, 0, sizeof a);
        a.rdn = rdn;
        if (!parse_ava(&c, dn, &a) || !add_ava(dn, &a))
            return fail(dn);
        if (c.i >= c.len)
            break;
        if (c.s[c.i++] == '+')
            continue;
        rdn++;
        skip_rdn_seps(&c);
    }
    dn->n_rdn = dn->n ? (size_t)dn->ava[dn->n - 1].rdn + 1 : 0;
    return true;
}

/* ---- from DER ---- */

static bool put_value(sbd_dn *dn, sbd_dn_ava *a, const ASN1_STRING *v)
{
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, v);
    a->val_off = (uint16_t)dn->used;
    bool ok = n >= 0 ? put(dn, utf8, (size_t)n)
                     : put(dn, ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v));
    OPENSSL_free(utf8);
    a->val_len = (uint16_t)(dn->used - a->val_off);
    return ok;
}

/* OpenSSL's short name when it reads back as this type (type characters only, not one of our
 * spellings of another type), else the dotted OID: the rendering must parse back to the same key.
 */
static const char *printable_sn(const ASN1_OBJECT *obj, const char *oid)
{
    int nid = OBJ_obj2nid(obj);
    const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
    if (!sn || !*sn || strlen(sn) > 60 || attr_by_name(sn, strlen(sn)) >= 0 || !is_alpha(sn[0]))
        return oid;
    for (const char *p = sn; *p; p++)
        if (!is_type_char((unsigned char)*p))
            return oid;
    return sn;
}

static bool put_entry(sbd_dn *dn, const X509_NAME_ENTRY *e, uint16_t rdn)
{
    sbd_dn_ava a;
    memset(&a, 0, sizeof a);
    a.rdn = rdn;
    const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
    char oid[96];
    int olen = OBJ_obj2txt(oid, sizeof oid, obj, 1);
    if (olen <= 0 || (size_t)olen >= sizeof oid)
        return false;
    int known = attr_by_oid(oid, (size_t)olen);
    const char *name = known >= 0 ? attrs[known].sn : printable_sn(obj, oid);
    a.known = (int16_t)known;
    a.name_off = (uint16_t)dn->used;
    a.name_len = (uint16_t)strlen(name);
    a.key_off = (uint16_t)(dn->used + a.name_len);
    a.key_len = (uint16_t)olen;
    return put(dn, name, a.name_len) && put(dn, oid, (size_t)olen) &&
           put_value(dn, &a, X509_NAME_ENTRY_get_data(e)) && add_ava(dn, &a);
}

bool sbd_dn_from_x509(const X509_NAME *name, sbd_dn *dn)
{
    dn_reset(dn);
    if (!name)
        return true;
    int n = X509_NAME_entry_count(name);
    if (n < 0 || n > SBD_DN_MAX_AVAS)
        return false;
    int prev_set = 0;
    uint16_t rdn = 0;
    for (int i = 0; i < n; i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        int set = X509_NAME_ENTRY_set(e);
        if (i > 0 && set != prev_set)
            rdn++;
        prev_set = set;
        if (!put_entry(dn, e, rdn))
            return fail(dn);
    }
    dn->n_rdn = dn->n ? (size_t)rdn + 1 : 0;
    dn->der_order = true;
    return true;
}

bool sbd_dn_from_der(const uint8_t *der, size_t len, sbd_dn *dn)
{
    dn_reset(dn);
    if (!der || len == 0 || len > 65536)
        return false;
    const unsigned char *p = der;
    X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
    bool ok = name && (size_t)(p - der) == len && sbd_dn_from_x509(name, dn);
    X509_NAME_free(name);
    return ok ? true : fail(dn);
}

/* ---- comparison ---- */

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn, bool nocase)
{
    size_t n = an < bn ? an : bn;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (nocase) {
            x = fold(x);
            y = fold(y);
        }
        if (x != y)
            return x < y ? -1 : 1;
    }
    return an == bn ? 0 : an < bn ? -1 : 1;
}

static int ava_cmp(const sbd_dn *a, const sbd_dn_ava *x, const sbd_dn *b, const sbd_dn_ava *y)
{
    int k = bytes_cmp(a->text + x->key_off, x->key_len, b->text + y->key_off, y->key_len, false);
    if (k)
        return k;
    return bytes_cmp(a->text + x->val_off, x->val_len, b->text + y->val_off, y->val_len, true);
}

/* A name in canonical order: AVAs sorted inside each RDN, then RDNs sorted. Insertion sorts on
 * index arrays: at most SBD_DN_MAX_AVAS items, no allocation, no recursion. */
typedef struct canon {
    const sbd_dn *dn;
    uint8_t ava[SBD_DN_MAX_AVAS];       /* AVA indices, each RDN's run sorted */
    uint8_t start[SBD_DN_MAX_AVAS + 1]; /* RDN r is ava[start[r] .. start[r+1]) */
    uint8_t order[SBD_DN_MAX_AVAS];     /* RDNs in sorted order */
} canon;

static int rdn_cmp(const canon *p, size_t r, const canon *q, size_t s)
{
    size_t pn = (size_t)(p->start[r + 1] - p->start[r]),
           qn = (size_t)(q->start[s + 1] - q->start[s]);
    if (pn != qn)
        return pn < qn ? -1 : 1;
    for (size_t i = 0; i < pn; i++) {
        int c = ava_cmp(p->dn, &p->dn->ava[p->ava[p->start[r] + i]], q->dn,
                        &q->dn->ava[q->ava[q->start[s] + i]]);
        if (c)
            return c;
    }
    return 0;
}

static void canonicalize(const sbd_dn *dn, canon *c)
{
    c->dn = dn;
    size_t r = 0;
    for (size_t i = 0; i < dn->n; i++) {
        c->ava[i] = (uint8_t)i;
        if (i == 0 || dn->ava[i].rdn != dn->ava[i - 1].rdn)
            c->start[r++] = (uint8_t)i;
    }
    c->start[r] = (uint8_t)dn->n;
    for (size_t k = 0; k < r; k++) {
        for (size_t i = (size_t)c->start[k] + 1; i < c->start[k + 1]; i++)
            for (size_t j = i; j > c->start[k] &&
                               ava_cmp(dn, &dn->ava[c->ava[j - 1]], dn, &dn->ava[c->ava[j]]) > 0;
                 j--) {
                uint8_t t = c->ava[j];
                c->ava[j] = c->ava[j - 1];
                c->ava[j - 1] = t;
            }
        c->order[k] = (uint8_t)k;
    }
    for (size_t i = 1; i < r; i++)
        for (size_t j = i; j > 0 && rdn_cmp(c, c->order[j - 1], c, c->order[j]) > 0; j--) {
            uint8_t t = c->order[j];
            c->order[j] = c->order[j - 1];
            c->order[j - 1] = t;
        }
}

static size_t rdn_count(const sbd_dn *dn)
{
    size_t r = 0;
    for (size_t i = 0; i < dn->n; i++)
        if (i == 0 || dn->ava[i].rdn != dn->ava[i - 1].rdn)
            r++;
    return r;
}

bool sbd_dn_same(const sbd_dn *a, const sbd_dn *b)
{
    if (a->n != b->n || a->n > SBD_DN_MAX_AVAS)
        return false;
    size_t r = rdn_count(a);
    if (r != rdn_count(b))
        return false;
    canon ca, cb;
    canonicalize(a, &ca);
    canonicalize(b, &cb);
    for (size_t i = 0; i < r; i++)
        if (rdn_cmp(&ca, ca.order[i], &cb, cb.order[i]) != 0)
            return false;
    return true;
}

static size_t bounded_len(const char *s, size_t len)
{
    if (!s)
        return 0;
    const char *nul = memchr(s, 0, len);
    return nul ? (size_t)(nul - s) : len;
}

void sbd_dn_key_init(sbd_dn_key *k, const char *s, size_t len)
{
    k->len = bounded_len(s, len);
    k->raw = s ? s : "";
    k->parsed = sbd_dn_parse(k->raw, k->len, &k->dn);
}

bool sbd_dn_key_equal_n(const sbd_dn_key *k, const char *s, size_t len)
{
    len = bounded_len(s, len);
    if (!s)
        s = "";
    sbd_dn d;
    if (k->parsed && sbd_dn_parse(s, len, &d))
        return sbd_dn_same(&k->dn, &d);
    return k->len == len && (len == 0 || memcmp(k->raw, s, len) == 0);
}

bool sbd_dn_equal_n(const char *a, size_t alen, const char *b, size_t blen)
{
    sbd_dn_key k;
    sbd_dn_key_init(&k, a, alen);
    return sbd_dn_key_equal_n(&k, b, blen);
}

bool sbd_dn_equal(const char *a, const char *b)
{
    return sbd_dn_equal_n(a, a ? strlen(a) : 0, b, b ? strlen(b) : 0);
}

bool sbd_dn_equal_x509(const char *s, size_t len, const X509_NAME *name)
{
    sbd_dn ds, dx;
    return sbd_dn_parse(s, len, &ds) && sbd_dn_from_x509(name, &dx) && sbd_dn_same(&ds, &dx);
}

/* ---- rendering ---- */

typedef struct wbuf {
    char *out;
    size_t size, len;
    bool cut;
} wbuf;

/* Writes n bytes as one unit (a type, an escape, one UTF-8 character) or nothing. */
static void emit(wbuf *w, const char *s, size_t n)
{
    if (w->cut || n > w->size - 1 - w->len) {
        w->cut = true;
        return;
    }
    memcpy(w->out + w->len, s, n);
    w->len += n;
    w->out[w->len] = '\0';
}

static void emit_hex(wbuf *w, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[3] = {'\\', hex[c >> 4], hex[c & 15]};
    emit(w, e, 3);
}

static void emit_value(wbuf *w, const unsigned char *v, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = v[i];
        if (c < 0x20 || c == 0x7F || (c == '/' && i + 1 == n)) {
            /* a '/' ending the value would read back as a trailing separator */
            emit_hex(w, c);
            i++;
        } else if (c >= 0x80) {
            size_t sl = sbd_utf8_len(v + i, n - i);
            if (sl)
                emit(w, (const char *)v + i, sl);
            else
                emit_hex(w, c);
            i += sl ? sl : 1;
        } else {
            bool esc = strchr("\"+,;<>\\=", c) || ((c == ' ' || c == '#') && i == 0) ||
                       (c == ' ' && i + 1 == n);
            char e[2] = {'\\', (char)c};
            emit(w, esc ? e : e + 1, esc ? 2 : 1);
            i++;
        }
    }
}

static int ava_rank(const sbd_dn_ava *a)
{
    return a->known >= 0 ? attrs[a->known].rank : -1;
}

/* Most specific first. RFC 4514 prints DER's SEQUENCE backwards, which puts CN first for the usual
 * C..CN order; a name stored CN first (some producers do) stays as it is. Strings follow the same
 * test, and keep their order when it cannot tell. */
static bool print_reversed(const sbd_dn *dn)
{
    if (dn->n < 2)
        return false;
    int first = ava_rank(&dn->ava[0]), last = ava_rank(&dn->ava[dn->n - 1]);
    if (first >= 0 && last >= 0 && first != last)
        return first < last;
    return dn->der_order;
}

static void emit_type(wbuf *w, const sbd_dn *dn, const sbd_dn_ava *a)
{
    if (a->known >= 0)
        emit(w, attrs[a->known].sn, strlen(attrs[a->known].sn));
    else
        emit(w, dn->text + a->name_off, a->name_len); /* type characters only: safe as is */
    emit(w, "=", 1);
}

bool sbd_dn_render(const sbd_dn *dn, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return false;
    out[0] = '\0';
    wbuf w = {out, outsz, 0, false};
    uint8_t start[SBD_DN_MAX_AVAS + 1];
    size_t r = 0;
    for (size_t i = 0; i < dn->n && i < SBD_DN_MAX_AVAS; i++)
        if (i == 0 || dn->ava[i].rdn != dn->ava[i - 1].rdn)
            start[r++] = (uint8_t)i;
    start[r] = (uint8_t)(dn->n < SBD_DN_MAX_AVAS ? dn->n : SBD_DN_MAX_AVAS);
    bool rev = print_reversed(dn);
    for (size_t k = 0; k < r; k++) {
        size_t rr = rev ? r - 1 - k : k; /* an RDN's own AVAs keep their order */
        for (size_t i = start[rr]; i < start[rr + 1]; i++) {
            if (i > start[rr])
                emit(&w, "+", 1);
            else if (k > 0)
                emit(&w, ",", 1);
            emit_type(&w, dn, &dn->ava[i]);
            emit_value(&w, (const unsigned char *)dn->text + dn->ava[i].val_off,
                       dn->ava[i].val_len);
        }
    }
    return !w.cut;
}

/* Text that is not a name still reaches reports: one line, printable, valid UTF-8. */
static void copy_sanitized(const char *s, size_t len, char *out, size_t outsz)
{
    wbuf w = {out, outsz, 0, false};
    out[0] = '\0';
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len && !w.cut;) {
        size_t sl = p[i] >= 0x80 ? sbd_utf8_len(p + i, len - i) : 0;
        if (sl) {
            emit(&w, s + i, sl);
            i += sl;
            continue;
        }
        char c = p[i] >= 0x20 && p[i] < 0x7F ? (char)p[i] : '?';
        emit(&w, &c, 1);
        i++;
    }
}

char *sbd_dn_render_str(const char *s, size_t len, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return out;
    len = bounded_len(s, len);
    sbd_dn dn;
    if (sbd_dn_parse(s, len, &dn))
        sbd_dn_render(&dn, out, outsz);
    else
        copy_sanitized(s, len, out, outsz);
    return out;
}
