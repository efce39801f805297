/* Certificate names (distinguished names): one comparison and one rendering for the whole project.
 *
 * Names reach us two ways: as DER inside a certificate, and as strings inside trust lists and
 * signed-file headers, written by CUCM, by other producers or by OpenSSL (`;` `,` or `/` between
 * RDNs, any RDN order, quoted values, backslash escapes). Both are turned into the same list of
 * (attribute type, value) pairs, which is what gets compared and printed. docs/formats.md
 * section "Names" gives the rules and why. */
#ifndef SBD_NAMES_H
#define SBD_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct X509_name_st; /* OpenSSL's X509_NAME */

#define SBD_DN_MAX_AVAS 64    /* attribute-value pairs in one name; more is "not a name" */
#define SBD_DN_MAX_TEXT 4096  /* bytes of decoded types and values of one name */
#define SBD_DN_MAX_INPUT 8192 /* a longer string is not parsed (compared byte for byte) */

typedef struct sbd_dn_ava {
    uint16_t rdn;                /* RDN number in source order; '+' joins AVAs of one RDN */
    int16_t known;               /* index in the attribute table, -1 when unknown */
    uint16_t key_off, key_len;   /* comparison key of the type: dotted OID or upper-cased text */
    uint16_t name_off, name_len; /* the type as written (string input), for printing */
    uint16_t val_off, val_len;   /* decoded value bytes (may hold any byte, even 0) */
} sbd_dn_ava;

typedef struct sbd_dn {
    sbd_dn_ava ava[SBD_DN_MAX_AVAS];
    size_t n;       /* AVAs, grouped by rdn in increasing order */
    size_t n_rdn;   /* RDNs */
    bool der_order; /* built from DER: RDN 0 is the first of the SEQUENCE (usually C) */
    size_t used;    /* bytes of text in use */
    char text[SBD_DN_MAX_TEXT];
} sbd_dn;

/* Parse a name string: at most len bytes, stopping at the first NUL. False when the string is not
 * a name we can read (no "type=", a dangling escape, text after a closing quote, over a limit);
 * dn is then empty. The empty string is the empty name. */
bool sbd_dn_parse(const char *s, size_t len, sbd_dn *dn);
/* A name from a certificate. False (dn empty) when it does not fit the limits. */
bool sbd_dn_from_x509(const struct X509_name_st *name, sbd_dn *dn);
/* The same from the DER of a Name (SEQUENCE OF RDN). */
bool sbd_dn_from_der(const uint8_t *der, size_t len, sbd_dn *dn);

/* Same name: the same RDNs in any order, each the same set of AVAs; types compare by OID
 * (CN = commonName = 2.5.4.3), values byte for byte except ASCII case. */
bool sbd_dn_same(const sbd_dn *a, const sbd_dn *b);

/* The comparison every lookup uses. Strings are parsed; when either does not parse, they are equal
 * only when byte-identical. NULL counts as "". */
bool sbd_dn_equal(const char *a, const char *b);
bool sbd_dn_equal_n(const char *a, size_t alen, const char *b, size_t blen);
/* One name compared with many (a lookup over a list's records): parsed once. */
typedef struct sbd_dn_key {
    const char *raw; /* borrowed */
    size_t len;
    bool parsed;
    sbd_dn dn;
} sbd_dn_key;
void sbd_dn_key_init(sbd_dn_key *k, const char *s, size_t len);
bool sbd_dn_key_equal_n(const sbd_dn_key *k, const char *s, size_t len); /* as sbd_dn_equal_n */
/* A name string against a certificate's name (when the certificate is at hand). */
bool sbd_dn_equal_x509(const char *s, size_t len, const struct X509_name_st *name);

/* The one rendering for people: most specific RDN first (CN first; RFC 4514 order for the usual
 * C-first DER), ',' between RDNs, '+' inside one, RFC 4514 escaping, and \XX for control bytes
 * and bytes that are not UTF-8, so the text is printable, one line, and parses back to the same
 * name. out is always terminated; returns false when it was cut (at a character boundary). */
bool sbd_dn_render(const sbd_dn *dn, char *out, size_t outsz);
/* Parse then render. A string that does not parse is copied with control bytes and invalid UTF-8
 * turned into '?'. Returns out. */
char *sbd_dn_render_str(const char *s, size_t len, char *out, size_t outsz);

#endif
