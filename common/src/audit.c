/* The rule table and the single-list predicates the trust engine uses (sbd/audit.h). */
#include <ctype.h>
#include <string.h>

#include <openssl/evp.h>

#include "sbd/audit.h"
#include "sbd/cert.h"
#include "sbd/verify.h"

static const struct {
    const char *id;
    sbd_severity sev;
    const char *title, *meaning, *remedy;
} rules[] = {
#define SBD_RULE_ROW(id, sev, title, text, remedy) {#id, SBD_SEV_##sev, title, text, remedy},
    SBD_RULE_MAP(SBD_RULE_ROW)
#undef SBD_RULE_ROW
};

const char *sbd_severity_name(sbd_severity s)
{
    switch (s) {
    case SBD_SEV_ERROR:
        return "error";
    case SBD_SEV_WARNING:
        return "warning";
    default:
        return "info";
    }
}

const char *sbd_rule_id(sbd_rule r)
{
    return r < SBD_RULE_COUNT ? rules[r].id : "UNKNOWN";
}
sbd_severity sbd_rule_severity(sbd_rule r)
{
    return r < SBD_RULE_COUNT ? rules[r].sev : SBD_SEV_INFO;
}
const char *sbd_rule_meaning(sbd_rule r)
{
    return r < SBD_RULE_COUNT ? rules[r].meaning : "";
}
const char *sbd_rule_title(sbd_rule r)
{
    return r < SBD_RULE_COUNT ? rules[r].title : "";
}
const char *sbd_rule_remedy(sbd_rule r)
{
    return r < SBD_RULE_COUNT ? rules[r].remedy : "";
}

bool sbd_rule_from_id(const char *id, sbd_rule *out)
{
    for (size_t i = 0; id && i < SBD_RULE_COUNT; i++) {
        if (strcmp(rules[i].id, id) == 0) {
            *out = (sbd_rule)i;
            return true;
        }
    }
    return false;
}

sbd_cert_id sbd_cert_id_of(const sbd_cert_info *ci)
{
    sbd_cert_id id = {ci->issuer, ci->serial, ci->serial_len, ci->sha1, ci->sha256};
    return id;
}

static bool digest_equals(const uint8_t *der, size_t len, const EVP_MD *md, const uint8_t *want)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    return EVP_Digest(der, len, d, &n, md, NULL) && memcmp(d, want, n) == 0;
}

/* Does the record's certificate evidence agree with the wire certificate? The phone checks the
 * certificate's hash against the record ("verifyCertWithHashFromTL"): a record that carries
 * neither CERTHASH nor CERTIFICATE cannot pass that check, so it agrees only when the wire side has
 * no hash either (a name-only lookup). */
static bool record_hash_agrees(const sbd_file *tl, const sbd_record *r, const sbd_cert_id *c)
{
    if (r->cert_hash) {
        const uint8_t *h = tl->buf + r->cert_hash->value_off;
        if (r->cert_hash->len == 20 && c->sha1)
            return memcmp(h, c->sha1, 20) == 0;
        if (r->cert_hash->len == 32 && c->sha256)
            return memcmp(h, c->sha256, 32) == 0;
        if (c->sha1 || c->sha256)
            return false; /* a hash of a size we cannot compare is not a match */
    }
    if (r->certificate && c->sha1)
        return digest_equals(tl->buf + r->certificate->value_off, r->certificate->len, EVP_sha1(),
                             c->sha1);
    return !r->cert_hash && !r->certificate ? !c->sha1 && !c->sha256 : true;
}

static bool has_role(const sbd_record *r, uint32_t roles)
{
    return r->function_elem && r->function < 32 && (roles & SBD_ROLE(r->function));
}

static bool list_has_role(const sbd_file *tl, uint32_t roles)
{
    for (size_t i = 0; i < tl->n_records; i++)
        if (has_role(&tl->records[i], roles))
            return true;
    return false;
}

sbd_tvs_match sbd_audit_cert_role(const sbd_file *tl, const sbd_cert_id *wire, uint32_t roles,
                                  const sbd_record **rec)
{
    sbd_tvs_match result = list_has_role(tl, roles) ? SBD_TVS_NOT_IN_LIST : SBD_TVS_NO_TVS_RECORDS;
    if (rec)
        *rec = NULL;
    for (const sbd_record *r =
             sbd_find_by_issuer_serial(tl, wire->issuer, wire->serial, wire->serial_len, NULL);
         r; r = sbd_find_by_issuer_serial(tl, wire->issuer, wire->serial, wire->serial_len, r)) {
        if (!has_role(r, roles))
            continue;
        if (rec)
            *rec = r;
        if (record_hash_agrees(tl, r, wire))
            return SBD_TVS_MATCH;
        result = SBD_TVS_HASH_MISMATCH;
    }
    return result;
}

sbd_tvs_match sbd_audit_tvs_cert(const sbd_file *tl, const sbd_cert_id *wire,
                                 const sbd_record **rec)
{
    return sbd_audit_cert_role(tl, wire, SBD_ROLE(SBD_FN_TVS), rec);
}

bool sbd_audit_cert_in_list(const sbd_file *tl, const sbd_cert_id *c)
{
    for (const sbd_record *r =
             sbd_find_by_issuer_serial(tl, c->issuer, c->serial, c->serial_len, NULL);
         r; r = sbd_find_by_issuer_serial(tl, c->issuer, c->serial, c->serial_len, r))
        if (record_hash_agrees(tl, r, c))
            return true;
    if (c->sha1 && sbd_find_by_cert_hash(tl, c->sha1, 20, NULL))
        return true;
    return c->sha256 && sbd_find_by_cert_hash(tl, c->sha256, 32, NULL);
}

bool sbd_audit_is_rollback(const sbd_file *tl)
{
    if (tl->kind != SBD_KIND_TRUST_LIST || sbd_file_is_ctl(tl))
        return false;
    return !sbd_find_by_function(tl, SBD_FN_CCM_TFTP, NULL) &&
           !sbd_find_by_function(tl, SBD_FN_TFTP, NULL) &&
           !sbd_find_by_function(tl, SBD_FN_TVS, NULL);
}

bool sbd_audit_itl_too_large(const sbd_file *tl)
{
    if (tl->len > SBD_ITL_MAX_BYTES)
        return true;
    size_t certs = 0;
    for (size_t i = 0; i < tl->n_records; i++) {
        const sbd_record *r = &tl->records[i];
        certs += r->certificate || r->cert_hash || r->public_key;
    }
    return certs > SBD_ITL_MAX_CERTS;
}

int sbd_audit_expiry(int64_t not_after, int64_t now, int warn_days)
{
    if (not_after < now)
        return 2;
    if (warn_days > 0 && not_after - now < (int64_t)warn_days * 86400)
        return 1;
    return 0;
}

/* Case-insensitive prefix/suffix tests on a base name. */
static bool has_prefix(const char *s, const char *p)
{
    return strncasecmp(s, p, strlen(p)) == 0;
}
static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcasecmp(s + n - m, suf) == 0;
}

/* "SEP" + 12 hex digits at s: copy the uppercase form into mac. */
static bool take_sep_mac(const char *s, char mac[16])
{
    if (!has_prefix(s, "SEP"))
        return false;
    for (int i = 0; i < 12; i++)
        if (!isxdigit((unsigned char)s[3 + i]))
            return false;
    memcpy(mac, "SEP", 3);
    for (int i = 0; i < 12; i++)
        mac[3 + i] = (char)toupper((unsigned char)s[3 + i]);
    mac[15] = '\0';
    return true;
}

static sbd_name_kind classify_per_phone(const char *base, char mac[16])
{
    if ((has_prefix(base, "CTL") || has_prefix(base, "ITL")) && take_sep_mac(base + 3, mac) &&
        strcasecmp(base + 18, ".tlv") == 0)
        return toupper((unsigned char)base[0]) == 'C' ? SBD_NAME_CTL_PER_PHONE
                                                      : SBD_NAME_ITL_PER_PHONE;
    if (take_sep_mac(base, mac)) {
        const char *rest = base + 15;
        if (strcasecmp(rest, ".cnf.xml.enc.sgn") == 0)
            return SBD_NAME_CONFIG_ENC;
        if (strcasecmp(rest, ".cnf.xml.sgn") == 0)
            return SBD_NAME_CONFIG_SGN;
        if (strcasecmp(rest, ".cnf.xml") == 0)
            return SBD_NAME_CONFIG_PLAIN;
    }
    mac[0] = '\0';
    return SBD_NAME_OTHER;
}

void sbd_audit_name_of_http_target(const char *target, char *out, size_t outsz)
{
    if (!outsz)
        return;
    size_t end = strcspn(target, "?#"), start = end, o = 0;
    while (start > 0 && target[start - 1] != '/')
        start--;
    for (size_t i = start; i < end && o + 1 < outsz; i++) {
        int c = (unsigned char)target[i];
        int hi = c == '%' && i + 2 < end ? sbd_hex_digit(target[i + 1]) : -1;
        int lo = hi >= 0 ? sbd_hex_digit(target[i + 2]) : -1;
        int v = hi * 16 + lo;
        if (lo >= 0 && v >= 0x20 && v != 0x7f && v != '/' && v != '\\') {
            c = v;
            i += 2;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
}

sbd_name_kind sbd_audit_classify_name(const char *name, char mac[16])
{
    mac[0] = '\0';
    if (!name)
        return SBD_NAME_OTHER;
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    if (strcasecmp(base, "CTLFile.tlv") == 0)
        return SBD_NAME_CTL_FILE;
    if (strcasecmp(base, "ITLFile.tlv") == 0)
        return SBD_NAME_ITL_FILE;
    sbd_name_kind k = classify_per_phone(base, mac);
    if (k != SBD_NAME_OTHER)
        return k;
    return has_suffix(base, ".sgn") ? SBD_NAME_OTHER_SGN : SBD_NAME_OTHER;
}

bool sbd_audit_name_is_trust_or_signed(sbd_name_kind k)
{
    return k != SBD_NAME_OTHER && k != SBD_NAME_CONFIG_PLAIN;
}
