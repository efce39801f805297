/* The rule table (id, severity, title, meaning, remedy) and the questions about a single list or
 * certificate that the trust engine (sbd/trust.h) asks: is this certificate a record of that role,
 * is this a rollback ITL, is it too large, has it expired. Decisions about phones are made in the
 * engine only; docs/trust-rules.md gives the phone behaviour behind each rule. */
#ifndef SBD_AUDIT_H
#define SBD_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbd/cert.h"
#include "sbd/file.h"

typedef enum { SBD_SEV_INFO = 0, SBD_SEV_WARNING = 1, SBD_SEV_ERROR = 2 } sbd_severity;

const char *sbd_severity_name(sbd_severity s); /* "info", "warning", "error" */

/* The one rule table: id, severity, title (a constant summary: Wireshark's expert infos and report
 * headings group by it), meaning (what happens to the phones) and remedy (what the administrator
 * does). pcapscan's findings and the plugin's expert infos both come from it, so a rule has one
 * severity everywhere. docs/trust-rules.md gives the source of each phone behaviour. */
#define SBD_RULE_MAP(X)                                                                            \
    X(TVS_CERT_MATCH, INFO, "TVS certificate matches the held ITL",                                \
      "The certificate the TVS served matches a TVS record of the ITL the phone holds, so the "    \
      "phone can authenticate the TVS and ask it about certificates it does not know.",            \
      "Nothing to do.")                                                                            \
    X(TVS_CERT_NOT_IN_ITL, ERROR, "TVS certificate not in the held ITL",                           \
      "The TVS served a certificate that is no TVS record of the ITL the phone holds: the phone "  \
      "cannot authenticate the TVS, so new ITLs, configs and HTTPS services that need it fail.",   \
      "Restore the TVS certificate the ITL lists (from a backup), or reset the phones' ITL "       \
      "(utils itl reset when the held ITL lists ITLRecovery, else delete the ITL on each phone).") \
    X(TRUST_LIST_SIGNATURE_INVALID, ERROR, "Trust list signature invalid",                         \
      "The trust list's signature does not verify: phones reject the file (tampered, corrupted "   \
      "or signed with a key other than the one its SAST record names).",                           \
      "Regenerate the list on the TFTP server (restart the TFTP service) and check what "          \
      "modifies files on the way.")                                                                \
    X(TRUST_LIST_SIGNER_UNKNOWN, ERROR, "Trust list signer not in its own records",                \
      "The trust list names a signer that matches none of its own SAST records "                   \
      "(\"This etoken was not used to sign the ITL file\"): phones reject it.",                    \
      "Regenerate the list on the TFTP server; for a CTL, run utils ctl update CTLFile.")          \
    X(SGN_SIGNATURE_INVALID, ERROR, "Signed file does not verify",                                 \
      "A signed file does not verify with the signer's key from the list the phone holds: the "    \
      "phone rejects it and keeps its old configuration.",                                         \
      "Restart the TFTP service so it signs the file again; check that the list the phone holds "  \
      "is the cluster's current one.")                                                             \
    X(SGN_SIGNER_NOT_IN_ITL, WARNING, "Signed file's signer not in the held list",                 \
      "The signed file's signer is no CCM+TFTP/TFTP record of the list the phone holds: the "      \
      "phone must ask the TVS, and rejects the file if the TVS cannot vouch for it.",              \
      "Check that the phone holds the cluster's current ITL; after a CallManager regeneration "    \
      "the TVS must still match the held ITL.")                                                    \
    X(ITL_ROLLBACK, WARNING, "Rollback ITL served",                                                \
      "A rollback ITL (no CCM+TFTP, TFTP or TVS records) was served: phones that accept it "       \
      "trust any configuration file, and secure HTTPS services stop working.",                     \
      "Turn the rollback enterprise parameter off again once the phones have moved.")              \
    X(TRUST_CHAIN_BROKEN, ERROR, "Phone refuses the new ITL",                                      \
      "The phone refuses the new ITL: its signer is no record of the ITL the phone holds and the " \
      "TVS certificate does not match that ITL either (CallManager.pem and TVS.pem regenerated "   \
      "together, or a move to another cluster). The phone keeps the old ITL.",                     \
      "If the held ITL lists an ITLRecovery certificate, utils itl reset recovers the phones "     \
      "remotely; otherwise delete the ITL on each phone by hand.")                                 \
    X(TRUST_VIA_TVS, WARNING, "New ITL accepted through TVS",                                      \
      "The new ITL is signed by a certificate the held ITL does not list, but the TVS still "      \
      "matches the held ITL: the phone accepts the new ITL by asking the TVS.",                    \
      "Nothing urgent; do not regenerate TVS.pem before every phone holds the new ITL.")           \
    X(CERT_EXPIRED, ERROR, "Certificate expired",                                                  \
      "A certificate had expired at capture time: files or services that depend on it cannot "     \
      "be authenticated until it is regenerated.",                                                 \
      "Regenerate the certificate (set cert regen) and restart the services that use it.")         \
    X(CERT_EXPIRES_SOON, WARNING, "Certificate expires soon",                                      \
      "A certificate expires soon: files or services that depend on it stop being "                \
      "authenticated when it does (CUCM warns 7 days ahead).",                                     \
      "Plan the regeneration in a maintenance window, one TFTP node at a time.")                   \
    X(ITL_TOO_LARGE, WARNING, "ITL too large for phones",                                          \
      "The ITL is over 64 KB or holds more than 39 certificates: phones fail to register.",        \
      "Remove unused trust certificates so the ITL stays within the limit.")                       \
    X(TFTP_TRANSFER_INCOMPLETE, ERROR, "Trust or signed file transfer incomplete",                 \
      "A trust or signed file transfer did not finish: the phone did not get the file.",           \
      "Check the path between phone and TFTP server (loss, MTU, ACLs) and the TFTP service.")      \
    X(TRUST_FILE_FALLBACK, INFO, "Per-phone trust file not found, fallback used",                  \
      "The per-phone trust file was not found and the phone fetched ITLFile.tlv/CTLFile.tlv "      \
      "instead (centralized TFTP or no per-MAC file).",                                            \
      "Nothing to do unless the phone should have a per-MAC file.")                                \
    X(HTTPS_CERT_NOT_IN_TRUST_LIST, INFO, "HTTPS certificate not in the held lists",               \
      "An HTTPS server certificate is in none of the lists the phone holds: the phone asks the "   \
      "TVS about it, which is normal.",                                                            \
      "Nothing to do while the TVS answers.")                                                      \
    X(TLS_CERT_HIDDEN, INFO, "TLS 1.3: server certificate not visible",                            \
      "A TLS 1.3 session on a watched port: the server certificate is encrypted and cannot be "    \
      "checked from the capture.",                                                                 \
      "Capture with the TLS key log, or check the certificate on the server.")                     \
    X(CAPTURE_TRUNCATED, WARNING, "Capture file truncated",                                        \
      "The capture file ends mid-record or has a corrupt record: it was read up to that point.",   \
      "Nothing to do for the phones; capture again for a complete picture.")                       \
    X(CTL_CHAIN_BROKEN, ERROR, "Phone refuses the new CTL",                                        \
      "The phone refuses the new CTL: its signer is no SAST record of the CTL the phone holds "    \
      "(there is no TVS fallback for a CTL). The phone keeps the old CTL.",                        \
      "Sign the CTL with a token or key the phones' CTL lists (utils ctl update CTLFile on the "   \
      "node whose certificate the held CTL lists), or delete the CTL on each phone.")              \
    X(ITL_RECOVERY_SIGNED, INFO, "ITL signed by ITLRecovery",                                      \
      "The ITL is signed by an ITLRecovery record of the list the phone holds (CUCM 12+ signs "    \
      "every ITL so; on older releases this is a bulk ITL reset).",                                \
      "Nothing to do.")                                                                            \
    X(SIGNALING_CERT_NOT_IN_CTL, ERROR, "Signalling certificate not in the held CTL",              \
      "A phone holding a CTL met a SIP TLS/SCCP TLS certificate that is no CCM or CCM+TFTP "       \
      "record of that CTL: secure phones cannot register.",                                        \
      "Update the CTL after a CallManager regeneration (utils ctl update CTLFile) and reset the "  \
      "phones.")                                                                                   \
    X(CAPF_CERT_NOT_IN_TRUST_LIST, WARNING, "CAPF certificate not in the held lists",              \
      "The CAPF server certificate is no CAPF record of the lists the phone holds: LSC "           \
      "operations fail.",                                                                          \
      "Restart TFTP after a CAPF regeneration so the ITL (and CTL) list the new CAPF "             \
      "certificate; update the CTL in mixed mode.")                                                \
    X(TFTP_HTTPS_CERT_NOT_IN_ITL, WARNING, "HTTPS TFTP certificate not in the held ITL",           \
      "The HTTPS TFTP (6971/6972) certificate is no TFTP-role record of the ITL the phone holds: " \
      "the phone asks the TVS or falls back to HTTP 6970.",                                        \
      "Check that the ITL lists the certificate the TFTP node serves on 6971/6972.")               \
    X(CTL_NOT_UPDATED, WARNING, "CTL not updated after a CallManager change",                      \
      "The CTL and the ITL the phone holds list different CallManager (CCM+TFTP) certificates "    \
      "for the same node: CallManager.pem was regenerated and the CTL was not updated, so the "    \
      "phone cannot authenticate that node for secure signalling.",                                \
      "Run utils ctl update CTLFile (or the CTL client with the tokens) and reset the phones.")    \
    X(TRANSFER_CUT_BY_CAPTURE_END, WARNING, "Transfer cut by the end of the capture",              \
      "The capture ends while a trust or signed file transfer was still going on (its sender "     \
      "was heard from shortly before the last packet): whether the phone got the file is not in "  \
      "the capture. Not a server or network failure.",                                             \
      "Nothing to do for the phones; capture from before the phone boots until it registers to "   \
      "see the whole transfer.")

typedef enum {
#define SBD_RULE_ENUM(id, sev, title, text, remedy) SBD_RULE_##id,
    SBD_RULE_MAP(SBD_RULE_ENUM)
#undef SBD_RULE_ENUM
        SBD_RULE_COUNT
} sbd_rule;

const char *sbd_rule_id(sbd_rule r); /* "TVS_CERT_MATCH" */
sbd_severity sbd_rule_severity(sbd_rule r);
const char *sbd_rule_meaning(sbd_rule r); /* the plain-language sentence above */
const char *sbd_rule_title(sbd_rule r);   /* the constant summary */
const char *sbd_rule_remedy(sbd_rule r);  /* what the administrator does */
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

/* Role sets for sbd_audit_cert_role: bit (1u << FUNCTION). */
#define SBD_ROLE(fn) (1u << (fn))
#define SBD_ROLES_TFTP (SBD_ROLE(SBD_FN_CCM_TFTP) | SBD_ROLE(SBD_FN_TFTP))
#define SBD_ROLES_SIGNALING (SBD_ROLE(SBD_FN_CCM) | SBD_ROLE(SBD_FN_CCM_TFTP))
#define SBD_ROLES_ANY 0xffffffffu

/* The generalisation of sbd_audit_tvs_cert to any set of record roles: a record of one of the
 * roles with the certificate's issuer + serial whose hash agrees (SBD_TVS_MATCH), or why not
 * (SBD_TVS_NO_TVS_RECORDS then means: no record of those roles at all). */
sbd_tvs_match sbd_audit_cert_role(const sbd_file *tl, const sbd_cert_id *wire, uint32_t roles,
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

/* The file name an HTTP request target asks for (pcapscan and the plugin name HTTP transfers
 * alike): its last path component, query and fragment dropped, %XX decoded except where the
 * result would be '/', '\\', a control byte or DEL. out gets at most outsz - 1 bytes; "" when
 * the target ends in '/'. */
void sbd_audit_name_of_http_target(const char *target, char *out, size_t outsz);

/* Is this a trust or signed file (CTL/ITL/.sgn/.enc.sgn), whose failure matters to the phone? */
bool sbd_audit_name_is_trust_or_signed(sbd_name_kind k);

#endif
