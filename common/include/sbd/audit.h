/* Audit rules: stable IDs, severities, plain-language meaning, and the predicates that decide
 * them from decoded facts. pcapscan's findings come from here. The Wireshark plugin does not call
 * these predicates yet: its expert infos (rollback, expiry, TVS certificate not in the list) are
 * decided in dissector/ and may differ. docs/trust-rules.md gives the phone behaviour behind each
 * rule. */
#ifndef SBD_AUDIT_H
#define SBD_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbd/cert.h"
#include "sbd/file.h"

typedef enum { SBD_SEV_INFO = 0, SBD_SEV_WARNING = 1, SBD_SEV_ERROR = 2 } sbd_severity;

const char *sbd_severity_name(sbd_severity s); /* "info", "warning", "error" */

/* id, severity, one-line meaning for the phones (what happens, what the administrator does). */
#define SBD_RULE_MAP(X)                                                                            \
    X(TVS_CERT_MATCH, INFO,                                                                        \
      "The certificate the TVS served matches the TVS record of the ITL, so phones can "           \
      "authenticate the TVS and ask it about certificates they do not know.")                      \
    X(TVS_CERT_NOT_IN_ITL, ERROR,                                                                  \
      "The TVS served a certificate that is not the TVS record of the ITL the phones hold: "       \
      "phones cannot authenticate the TVS, so new ITLs, configs and HTTPS services that need it "  \
      "fail; restore the TVS certificate or delete the ITL on each phone.")                        \
    X(TRUST_LIST_SIGNATURE_INVALID, ERROR,                                                         \
      "The trust list's signature does not verify: phones reject the file (tampered, corrupted "   \
      "or signed with a key other than the one its SAST record names).")                           \
    X(TRUST_LIST_SIGNER_UNKNOWN, ERROR,                                                            \
      "The trust list names a signer that matches none of its own SAST records "                   \
      "(\"This etoken was not used to sign the ITL file\"): phones reject it.")                    \
    X(SGN_SIGNATURE_INVALID, ERROR,                                                                \
      "A signed configuration file does not verify with the signer's key from the ITL: the "       \
      "phone rejects it and keeps its old configuration.")                                         \
    X(SGN_SIGNER_NOT_IN_ITL, WARNING,                                                              \
      "The configuration file's signer is not in the phone's ITL: the phone must ask the TVS, "    \
      "and rejects the file if the TVS cannot vouch for it.")                                      \
    X(ITL_ROLLBACK, WARNING,                                                                       \
      "A rollback ITL (no CCM+TFTP, TFTP or TVS records) was served: phones that accept it "       \
      "trust any configuration file, and secure HTTPS services stop working.")                     \
    X(TRUST_CHAIN_BROKEN, ERROR,                                                                   \
      "Phones holding the old ITL will refuse the new one: its signer is not in the old ITL and "  \
      "the TVS certificate changed too (CallManager.pem and TVS.pem regenerated together); the "   \
      "ITL must be deleted on each phone by hand.")                                                \
    X(TRUST_VIA_TVS, WARNING,                                                                      \
      "The new ITL is signed by a certificate the old ITL does not hold, but the TVS still "       \
      "matches the old ITL: phones recover by asking the TVS.")                                    \
    X(CERT_EXPIRED, ERROR,                                                                         \
      "A certificate had expired at capture time: files or services that depend on it cannot "     \
      "be authenticated until it is regenerated.")                                                 \
    X(CERT_EXPIRES_SOON, WARNING,                                                                  \
      "A certificate expires soon: regenerate it before it does (CUCM warns 7 days ahead).")       \
    X(ITL_TOO_LARGE, WARNING,                                                                      \
      "The ITL is over 64 KB or holds more than 39 certificates: phones fail to register.")        \
    X(TFTP_TRANSFER_INCOMPLETE, ERROR,                                                             \
      "A trust or signed file transfer did not finish: the phone did not get the file.")           \
    X(TRUST_FILE_FALLBACK, INFO,                                                                   \
      "The per-phone trust file was not found and the phone fetched ITLFile.tlv/CTLFile.tlv "      \
      "instead (centralized TFTP or no per-MAC file).")                                            \
    X(HTTPS_CERT_NOT_IN_TRUST_LIST, INFO,                                                          \
      "An HTTPS server certificate is not in the CTL/ITL: the phone asks the TVS about it, "       \
      "which is normal.")                                                                          \
    X(TLS_CERT_HIDDEN, INFO,                                                                       \
      "A TLS 1.3 session on a watched port: the server certificate is encrypted and cannot be "    \
      "checked from the capture.")                                                                 \
    X(CAPTURE_TRUNCATED, WARNING,                                                                  \
      "The capture file ends mid-record or has a corrupt record: it was read up to that point.")

typedef enum {
#define SBD_RULE_ENUM(id, sev, text) SBD_RULE_##id,
    SBD_RULE_MAP(SBD_RULE_ENUM)
#undef SBD_RULE_ENUM
        SBD_RULE_COUNT
} sbd_rule;

const char *sbd_rule_id(sbd_rule r); /* "TVS_CERT_MATCH" */
sbd_severity sbd_rule_severity(sbd_rule r);
const char *sbd_rule_meaning(sbd_rule r); /* the plain-language sentence above */
/* Rule from its ID string; returns false when unknown. */
bool sbd_rule_from_id(const char *id, sbd_rule *out);

/* ---- Predicates over decoded facts ---- */

/* A certificate identity as a rule sees it: issuer name (any DN style), serial (unsigned bytes)
 * and, when the whole certificate is known, its SHA-1 and SHA-256. */
typedef struct sbd_cert_id {
    const char *issuer;
    const uint8_t *serial;
    size_t serial_len;
    const uint8_t *sha1;   /* NULL when unknown */
    const uint8_t *sha256; /* NULL when unknown */
} sbd_cert_id;

sbd_cert_id sbd_cert_id_of(const sbd_cert_info *ci);

typedef enum {
    SBD_TVS_MATCH,          /* a TVS record has this issuer+serial and its hash agrees */
    SBD_TVS_HASH_MISMATCH,  /* issuer+serial found, but CERTHASH / certificate differ */
    SBD_TVS_NOT_IN_LIST,    /* no TVS record with this issuer+serial */
    SBD_TVS_NO_TVS_RECORDS, /* the list has no TVS record at all */
} sbd_tvs_match;

/* How the phone authenticates the TVS server ("findByIssuerAndSerialAndRoleInTL", then
 * "verifyCertWithHashFromTL"). *rec gets the matching record when there is one. */
sbd_tvs_match sbd_audit_tvs_cert(const sbd_file *tl, const sbd_cert_id *wire,
                                 const sbd_record **rec);

/* Is the certificate in the list at all (any role)? For HTTPS_CERT_NOT_IN_TRUST_LIST. */
bool sbd_audit_cert_in_list(const sbd_file *tl, const sbd_cert_id *c);

/* Rollback ITL: a trust list with no CCM+TFTP, TFTP or TVS record. */
bool sbd_audit_is_rollback(const sbd_file *tl);

/* ITL_TOO_LARGE: size over 64 KB (65536) or more than 39 certificate-bearing records. */
bool sbd_audit_itl_too_large(const sbd_file *tl);
#define SBD_ITL_MAX_BYTES 65536u
#define SBD_ITL_MAX_CERTS 39u

/* Expiry at time `now`: 0 valid, 1 expires within warn_days, 2 expired. */
int sbd_audit_expiry(int64_t not_after, int64_t now, int warn_days);

typedef enum {
    SBD_CONT_SAME,    /* B is byte-identical to A or signed by the same signer */
    SBD_CONT_DIRECT,  /* B's signer is a record of A: accepted directly */
    SBD_CONT_VIA_TVS, /* B's signer not in A, but the TVS cert seen matches A's TVS record */
    SBD_CONT_BROKEN,  /* B's signer not in A and the TVS cert does not match A */
    SBD_CONT_UNKNOWN, /* B's signer not in A and no TVS cert was seen to decide */
} sbd_continuity;

const char *sbd_continuity_name(sbd_continuity c); /* "same", "direct", "via_tvs", ... */

/* Would a phone holding A accept B? tvs_after_b: the TVS server certificate seen after B was
 * served (NULL when none was seen). Implements docs/trust-rules.md, "A new trust list". */
sbd_continuity sbd_audit_continuity(const sbd_file *a, const sbd_file *b,
                                    const sbd_cert_id *tvs_after_b);

/* ---- File names the phone asks for (docs/trust-rules.md, "Boot order and transfers") ---- */

typedef enum {
    SBD_NAME_OTHER,
    SBD_NAME_CTL_PER_PHONE, /* CTLSEP<MAC>.tlv */
    SBD_NAME_ITL_PER_PHONE, /* ITLSEP<MAC>.tlv */
    SBD_NAME_CTL_FILE,      /* CTLFile.tlv */
    SBD_NAME_ITL_FILE,      /* ITLFile.tlv */
    SBD_NAME_CONFIG_SGN,    /* SEP<MAC>.cnf.xml.sgn */
    SBD_NAME_CONFIG_ENC,    /* SEP<MAC>.cnf.xml.enc.sgn */
    SBD_NAME_CONFIG_PLAIN,  /* SEP<MAC>.cnf.xml */
    SBD_NAME_OTHER_SGN,     /* any other *.sgn (tones, dial plans, firmware) */
} sbd_name_kind;

/* Classify a requested file name (path prefixes ignored, case-insensitive); when it names a
 * phone, mac gets "SEP" + 12 uppercase hex digits (else ""). */
sbd_name_kind sbd_audit_classify_name(const char *name, char mac[16]);

/* Is this a trust or signed file (CTL/ITL/.sgn/.enc.sgn), whose failure matters to the phone? */
bool sbd_audit_name_is_trust_or_signed(sbd_name_kind k);

#endif
