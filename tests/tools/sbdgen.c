/* sbdgen: builds valid (or deliberately broken) Cisco signed files for tests, per
 * docs/formats.md sections 2-5: ITL/CTL trust lists, .sgn and .enc.sgn.
 * Output is deterministic for the same inputs, except the RSA key wrapping in encsgn (and the
 * AES key/IV unless --aes-key/--iv are given). Usage: sbdgen --help. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "gen_buf.h"
#include "gen_cert.h"

enum { MAX_RECORDS = 128 };
enum { ORDER_CISCO, ORDER_UCM };
enum { STYLE_FULL, STYLE_CERTHASH, STYLE_ETOKEN, STYLE_SPARSE };

typedef struct rec_spec {
    uint16_t function;
    int style;
    const char *cert_path; /* NULL for sparse records */
    const char *dns; /* NULL: empty DNSNAME (Cisco order) or no tag 2 (usecallmanager order) */
    bool has_ip;
    uint8_t ip[4];
} rec_spec;

typedef struct opts {
    const char *mode, *out, *signer_key, *signer_cert, *in, *phone_cert, *filename, *sign_with,
        *stub_sgn, *signer_name, *signer_issuer;
    uint8_t signer_serial[64];
    size_t signer_serial_len;
    bool has_signer_serial;
    uint8_t hash_id;
    bool ctl;
    uint32_t timestamp;
    bool has_signer_version, has_header_version;
    uint8_t signer_version[2], header_version[2];
    int order;
    gen_name_style name_style;
    unsigned align;
    uint8_t aes_key[16], iv[16];
    bool has_aes_key, has_iv;
    bool has_tamper, has_truncate;
    long tamper;
    size_t truncate;
    rec_spec recs[MAX_RECORDS];
    size_t n_recs;
} opts;

/* The identity the header names and the key that actually signs (they differ with --sign-with). */
typedef struct signer {
    gen_cert cert;
    EVP_PKEY *key;
    char name[1024], issuer[1024];
    uint8_t serial[64];
    size_t serial_len;
} signer;

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "sbdgen: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(2);
}

static void usage(void)
{
    fputs("usage:\n"
          "  sbdgen tl -o OUT --signer KEY:CERT [--ctl] [--order cisco|usecallmanager]\n"
          "         --record FUNCTION:CERT[:full|certhash|etoken[:DNSNAME[:IPV4]]] ...\n"
          "         [--sparse-record FUNCTION:DNSNAME:IPV4] ...\n"
          "  sbdgen sgn -o OUT --signer KEY:CERT --in PAYLOAD\n"
          "  sbdgen encsgn -o OUT --signer KEY:CERT --in PLAIN --phone-cert PHONE.pem\n"
          "         [--aes-key HEX16 --iv HEX16] [--stub-sgn OUT2]\n"
          "common: [--hash sha1|sha256|sha512] [--filename NAME] [--timestamp UNIX]\n"
          "        [--signer-version M.N] [--header-version M.N] [--name-style cucm|ucm]\n"
          "        [--align N] [--tamper OFFSET] [--truncate N] [--sign-with KEY]\n"
          "        [--signer-name S] [--signer-serial HEX] [--signer-issuer S]\n",
          stderr);
    exit(2);
}

/* ---- option parsing -------------------------------------------------------------------- */

static unsigned long parse_ulong(const char *s, unsigned long max, const char *what)
{
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 0);
    if (!*s || *end || v > max)
        die(what, s);
    return v;
}

static size_t parse_hex(const char *s, uint8_t *out, size_t outsz, const char *what)
{
    size_t n = strlen(s);
    if (n == 0 || n % 2 || n / 2 > outsz)
        die(what, s);
    for (size_t i = 0; i < n / 2; i++) {
        char two[3] = {s[2 * i], s[2 * i + 1], 0};
        char *end = NULL;
        out[i] = (uint8_t)strtoul(two, &end, 16);
        if (*end)
            die(what, s);
    }
    return n / 2;
}

static void parse_version(const char *s, uint8_t v[2], const char *what)
{
    unsigned maj, min;
    char extra;
    if (sscanf(s, "%u.%u%c", &maj, &min, &extra) != 2 || maj > 255 || min > 255)
        die(what, s);
    v[0] = (uint8_t)maj;
    v[1] = (uint8_t)min;
}

static uint16_t parse_function(const char *s)
{
    static const struct {
        const char *name;
        uint16_t code;
    } names[] = {{"SAST", 0}, {"CCM", 1},        {"CCM+TFTP", 2}, {"TFTP", 3}, {"CAPF", 4},
                 {"SRST", 5}, {"APP-SERVER", 7}, {"HTTPS", 7},    {"TVS", 21}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0)
            return names[i].code;
    return (uint16_t)parse_ulong(s, 0xFFFF, "bad function");
}

static int parse_style(const char *s)
{
    if (strcmp(s, "full") == 0)
        return STYLE_FULL;
    if (strcmp(s, "certhash") == 0)
        return STYLE_CERTHASH;
    if (strcmp(s, "etoken") == 0)
        return STYLE_ETOKEN;
    die("bad record style (full|certhash|etoken)", s);
    return STYLE_FULL;
}

static void parse_ipv4(const char *s, uint8_t ip[4])
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        die("bad IPv4 address", s);
    memcpy(ip, &a.s_addr, 4); /* s_addr is already in network byte order */
}

/* Splits s in place on ':' into at most max fields; returns the count. */
static size_t split_colon(char *s, char **fields, size_t max)
{
    size_t n = 0;
    fields[n++] = s;
    for (char *p = s; *p && n < max; p++)
        if (*p == ':') {
            *p = '\0';
            fields[n++] = p + 1;
        }
    return n;
}

static rec_spec *new_record(opts *o)
{
    if (o->n_recs >= MAX_RECORDS)
        die("too many records", NULL);
    rec_spec *r = &o->recs[o->n_recs++];
    memset(r, 0, sizeof *r);
    return r;
}

static void add_record(opts *o, char *arg)
{
    char *f[5];
    size_t n = split_colon(arg, f, 5);
    if (n < 2)
        die("--record needs FUNCTION:CERT", arg);
    rec_spec *r = new_record(o);
    r->function = parse_function(f[0]);
    r->cert_path = f[1];
    r->style = n > 2 ? parse_style(f[2]) : STYLE_FULL;
    r->dns = n > 3 ? f[3] : NULL;
    r->has_ip = n > 4;
    if (r->has_ip)
        parse_ipv4(f[4], r->ip);
}

static void add_sparse_record(opts *o, char *arg)
{
    char *f[3];
    if (split_colon(arg, f, 3) != 3)
        die("--sparse-record needs FUNCTION:DNSNAME:IPV4", arg);
    rec_spec *r = new_record(o);
    r->function = parse_function(f[0]);
    r->style = STYLE_SPARSE;
    r->dns = f[1];
    r->has_ip = true;
    parse_ipv4(f[2], r->ip);
}

static void parse_signer(opts *o, char *arg)
{
    char *colon = strchr(arg, ':');
    if (!colon)
        die("--signer needs KEY.pem:CERT.pem", arg);
    *colon = '\0';
    o->signer_key = arg;
    o->signer_cert = colon + 1;
}

static uint8_t parse_hash(const char *s)
{
    if (strcmp(s, "sha1") == 0)
        return 1;
    if (strcmp(s, "sha256") == 0)
        return 2;
    if (strcmp(s, "sha512") == 0)
        return 3;
    die("bad --hash (sha1|sha256|sha512)", s);
    return 0;
}

enum {
    OPT_SIGNER = 256,
    OPT_HASH,
    OPT_CTL,
    OPT_FILENAME,
    OPT_TIMESTAMP,
    OPT_SIGNER_VERSION,
    OPT_HEADER_VERSION,
    OPT_ORDER,
    OPT_NAME_STYLE,
    OPT_ALIGN,
    OPT_RECORD,
    OPT_SPARSE,
    OPT_IN,
    OPT_PHONE_CERT,
    OPT_AES_KEY,
    OPT_IV,
    OPT_STUB,
    OPT_TAMPER,
    OPT_TRUNCATE,
    OPT_SIGN_WITH,
    OPT_SIGNER_NAME,
    OPT_SIGNER_SERIAL,
    OPT_SIGNER_ISSUER,
};

static const struct option long_opts[] = {
    {"signer", required_argument, NULL, OPT_SIGNER},
    {"hash", required_argument, NULL, OPT_HASH},
    {"ctl", no_argument, NULL, OPT_CTL},
    {"filename", required_argument, NULL, OPT_FILENAME},
    {"timestamp", required_argument, NULL, OPT_TIMESTAMP},
    {"signer-version", required_argument, NULL, OPT_SIGNER_VERSION},
    {"header-version", required_argument, NULL, OPT_HEADER_VERSION},
    {"order", required_argument, NULL, OPT_ORDER},
    {"name-style", required_argument, NULL, OPT_NAME_STYLE},
    {"align", required_argument, NULL, OPT_ALIGN},
    {"record", required_argument, NULL, OPT_RECORD},
    {"sparse-record", required_argument, NULL, OPT_SPARSE},
    {"in", required_argument, NULL, OPT_IN},
    {"phone-cert", required_argument, NULL, OPT_PHONE_CERT},
    {"aes-key", required_argument, NULL, OPT_AES_KEY},
    {"iv", required_argument, NULL, OPT_IV},
    {"stub-sgn", required_argument, NULL, OPT_STUB},
    {"tamper", required_argument, NULL, OPT_TAMPER},
    {"truncate", required_argument, NULL, OPT_TRUNCATE},
    {"sign-with", required_argument, NULL, OPT_SIGN_WITH},
    {"signer-name", required_argument, NULL, OPT_SIGNER_NAME},
    {"signer-serial", required_argument, NULL, OPT_SIGNER_SERIAL},
    {"signer-issuer", required_argument, NULL, OPT_SIGNER_ISSUER},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void parse_layout_opt(opts *o, int c, const char *arg)
{
    switch (c) {
    case OPT_ORDER:
        if (strcmp(arg, "cisco") && strcmp(arg, "usecallmanager"))
            die("bad --order (cisco|usecallmanager)", arg);
        o->order = strcmp(arg, "cisco") == 0 ? ORDER_CISCO : ORDER_UCM;
        break;
    case OPT_NAME_STYLE:
        if (strcmp(arg, "cucm") && strcmp(arg, "ucm"))
            die("bad --name-style (cucm|ucm)", arg);
        o->name_style = strcmp(arg, "cucm") == 0 ? NAME_STYLE_CUCM : NAME_STYLE_UCM;
        break;
    case OPT_ALIGN:
        o->align = (unsigned)parse_ulong(arg, 64, "bad --align");
        if (o->align == 0)
            die("bad --align", arg);
        break;
    default:
        usage();
    }
}

static void parse_breakage_opt(opts *o, int c, char *arg)
{
    switch (c) {
    case OPT_TAMPER: {
        char *end = NULL;
        o->has_tamper = true;
        o->tamper = strtol(arg, &end, 0);
        if (!*arg || *end)
            die("bad --tamper", arg);
        break;
    }
    case OPT_TRUNCATE:
        o->has_truncate = true;
        o->truncate = parse_ulong(arg, 0xFFFFFFFFul, "bad --truncate");
        break;
    case OPT_SIGN_WITH:
        o->sign_with = arg;
        break;
    case OPT_SIGNER_NAME:
        o->signer_name = arg;
        break;
    case OPT_SIGNER_ISSUER:
        o->signer_issuer = arg;
        break;
    case OPT_SIGNER_SERIAL:
        o->has_signer_serial = true;
        o->signer_serial_len =
            parse_hex(arg, o->signer_serial, sizeof o->signer_serial, "bad --signer-serial");
        break;
    default:
        parse_layout_opt(o, c, arg);
    }
}

static void parse_enc_opt(opts *o, int c, char *arg)
{
    switch (c) {
    case OPT_IN:
        o->in = arg;
        break;
    case OPT_PHONE_CERT:
        o->phone_cert = arg;
        break;
    case OPT_AES_KEY:
        o->has_aes_key = parse_hex(arg, o->aes_key, 16, "bad --aes-key") == 16;
        if (!o->has_aes_key)
            die("--aes-key needs 16 bytes of hex", arg);
        break;
    case OPT_IV:
        o->has_iv = parse_hex(arg, o->iv, 16, "bad --iv") == 16;
        if (!o->has_iv)
            die("--iv needs 16 bytes of hex", arg);
        break;
    case OPT_STUB:
        o->stub_sgn = arg;
        break;
    default:
        parse_breakage_opt(o, c, arg);
    }
}

static void parse_one_opt(opts *o, int c, char *arg)
{
    switch (c) {
    case 'o':
        o->out = arg;
        break;
    case OPT_SIGNER:
        parse_signer(o, arg);
        break;
    case OPT_HASH:
        o->hash_id = parse_hash(arg);
        break;
    case OPT_CTL:
        o->ctl = true;
        break;
    case OPT_FILENAME:
        o->filename = arg;
        break;
    case OPT_TIMESTAMP:
        o->timestamp = (uint32_t)parse_ulong(arg, 0xFFFFFFFFul, "bad --timestamp");
        break;
    case OPT_SIGNER_VERSION:
        o->has_signer_version = true;
        parse_version(arg, o->signer_version, "bad --signer-version");
        break;
    case OPT_HEADER_VERSION:
        o->has_header_version = true;
        parse_version(arg, o->header_version, "bad --header-version");
        break;
    case OPT_RECORD:
        add_record(o, arg);
        break;
    case OPT_SPARSE:
        add_sparse_record(o, arg);
        break;
    default:
        parse_enc_opt(o, c, arg);
    }
}

static void parse_args(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->hash_id = 1;
    o->timestamp = 1700000000u;
    o->align = 4;
    if (argc < 2 || argv[1][0] == '-')
        usage();
    o->mode = argv[1];
    int c;
    while ((c = getopt_long(argc - 1, argv + 1, "o:h", long_opts, NULL)) != -1) {
        if (c == 'h' || c == '?')
            usage();
        parse_one_opt(o, c, optarg);
    }
    if (optind != argc - 1)
        die("unexpected argument", argv[optind + 1]);
    if (!o->out || !o->signer_key)
        die("-o OUT and --signer KEY:CERT are required", NULL);
}

/* ---- signing identity ------------------------------------------------------------------ */

static void signer_load(const opts *o, signer *s)
{
    memset(s, 0, sizeof *s);
    if (gen_cert_load(o->signer_cert, o->name_style, &s->cert))
        exit(2);
    s->key = gen_key_load(o->sign_with ? o->sign_with : o->signer_key);
    if (!s->key)
        exit(2);
    if (EVP_PKEY_get_base_id(s->key) != EVP_PKEY_RSA)
        die("only RSA signing keys are supported", o->sign_with ? o->sign_with : o->signer_key);
    snprintf(s->name, sizeof s->name, "%s", o->signer_name ? o->signer_name : s->cert.subject);
    snprintf(s->issuer, sizeof s->issuer, "%s",
             o->signer_issuer ? o->signer_issuer : s->cert.issuer);
    const uint8_t *serial = o->has_signer_serial ? o->signer_serial : s->cert.serial;
    s->serial_len = o->has_signer_serial ? o->signer_serial_len : s->cert.serial_len;
    memcpy(s->serial, serial, s->serial_len);
}

static void signer_free(signer *s)
{
    gen_cert_free(&s->cert);
    EVP_PKEY_free(s->key);
}

static const EVP_MD *hash_md(uint8_t id)
{
    return id == 1 ? EVP_sha1() : id == 2 ? EVP_sha256() : EVP_sha512();
}

/* docs/formats.md tag 11: 0/1/2/3 = 64/128/256/512-byte signatures. */
static uint8_t modulus_code(const EVP_PKEY *key)
{
    switch (EVP_PKEY_get_size(key)) {
    case 64:
        return 0;
    case 128:
        return 1;
    case 256:
        return 2;
    case 512:
        return 3;
    default:
        die("signing key must be RSA 512/1024/2048/4096", NULL);
        return 0;
    }
}

/* ---- header ---------------------------------------------------------------------------- */

/* Everything before tag 12. Returns the offset of the HeaderLength value for patching. */
static size_t header_front(gen_buf *b, const opts *o, const uint8_t version[2], const signer *s)
{
    gb_tlv(b, 1, version, 2);
    size_t hl_value_off = b->len + 3;
    gb_tlv_be16(b, 2, 0);
    if (o->has_signer_version)
        gb_tlv(b, 28, o->signer_version, 2);
    size_t id = gb_open(b, 3);
    gb_tlv_str(b, 4, s->name);
    if (o->order == ORDER_CISCO) {
        gb_tlv(b, 5, s->serial, s->serial_len);
        gb_tlv_str(b, 6, s->issuer);
    } else {
        gb_tlv_str(b, 6, s->issuer);
        gb_tlv(b, 5, s->serial, s->serial_len);
    }
    gb_close(b, id);
    size_t info = gb_open(b, 7);
    gb_tlv_u8(b, 8, o->hash_id);
    size_t algo = gb_open(b, 9);
    gb_tlv_u8(b, 10, 0);
    gb_tlv_u8(b, 11, modulus_code(s->key));
    gb_close(b, algo);
    gb_close(b, info);
    return hl_value_off;
}

static void sign_bytes(const signer *s, uint8_t hash_id, const gen_buf *data, gen_buf *sig)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t n = (size_t)EVP_PKEY_get_size(s->key);
    sig->len = 0;
    uint8_t *tmp = OPENSSL_malloc(n);
    if (!ctx || !tmp || EVP_DigestSignInit(ctx, NULL, hash_md(hash_id), NULL, s->key) != 1 ||
        EVP_DigestSign(ctx, tmp, &n, data->p, data->len) != 1)
        die("signing failed", NULL);
    gb_put(sig, tmp, n);
    OPENSSL_free(tmp);
    EVP_MD_CTX_free(ctx);
}

/* Assembles header + body into out. `tail` holds the header elements after tag 12 (14, 15 and
 * the .enc.sgn block); padding is added here so HeaderLength is final before signing. */
static void build_signed(const opts *o, const uint8_t version[2], const signer *s,
                         const gen_buf *tail, const gen_buf *body, gen_buf *out)
{
    gen_buf front = {0}, signed_data = {0}, sig = {0};
    size_t hl_off = header_front(&front, o, version, s);
    size_t sig_len = (size_t)EVP_PKEY_get_size(s->key);
    size_t total = front.len + 3 + sig_len + tail->len;
    size_t pad = (o->align - total % o->align) % o->align;
    if (total + pad > 0xFFFF)
        die("header too long", NULL);
    gb_patch_be16(&front, hl_off, (uint16_t)(total + pad));

    gb_put(&signed_data, front.p, front.len);
    gb_put(&signed_data, tail->p, tail->len);
    for (size_t i = 0; i < pad; i++)
        gb_u8(&signed_data, 0x0D);
    gb_put(&signed_data, body->p, body->len);
    sign_bytes(s, o->hash_id, &signed_data, &sig);

    gb_put(out, front.p, front.len);
    gb_tlv(out, 12, sig.p, sig.len);
    gb_put(out, signed_data.p + front.len, signed_data.len - front.len);
    gb_free(&front);
    gb_free(&signed_data);
    gb_free(&sig);
}

static void header_tail(gen_buf *tail, const char *filename, uint32_t timestamp)
{
    gb_tlv_str(tail, 14, filename);
    gb_tlv_be32(tail, 15, timestamp);
}

/* ---- output ---------------------------------------------------------------------------- */

static void apply_breakage(const opts *o, gen_buf *file)
{
    if (o->has_tamper) {
        long off = o->tamper < 0 ? (long)file->len + o->tamper : o->tamper;
        if (off < 0 || (size_t)off >= file->len)
            die("--tamper offset outside the file", NULL);
        file->p[off] ^= 0xFF;
    }
    if (o->has_truncate && o->truncate < file->len)
        file->len = o->truncate;
}

static void write_file(const char *path, const gen_buf *b)
{
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(b->p, 1, b->len, fp) != b->len || fclose(fp) != 0)
        die("cannot write", path);
}

static void read_file(const char *path, gen_buf *b)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        die("cannot read", path);
    uint8_t chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        gb_put(b, chunk, n);
    fclose(fp);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* ---- trust lists ----------------------------------------------------------------------- */

static bool record_has_tag(const rec_spec *r, int order, uint8_t tag)
{
    static const char *const tags_by_style[] = {
        [STYLE_FULL] = "\x02\x03\x04\x05\x06\x07\x08\x09",
        [STYLE_CERTHASH] = "\x02\x03\x04\x05\x06\x07\x08\x0b\x0c",
        [STYLE_ETOKEN] = "\x02\x03\x04\x05\x06\x07\x09",
        [STYLE_SPARSE] = "\x02\x04",
    };
    if (tag == 10)
        return r->has_ip;
    /* usecallmanager's tlvfile writes no DNSNAME; keep one only when asked for. */
    if (tag == 2 && order == ORDER_UCM && r->style != STYLE_SPARSE && !r->dns)
        return false;
    return strchr(tags_by_style[r->style], tag) != NULL;
}

static void record_elem(gen_buf *b, const rec_spec *r, const gen_cert *c, uint8_t tag)
{
    uint8_t sha1[20];
    switch (tag) {
    case 2:
        gb_tlv_str(b, 2, r->dns ? r->dns : "");
        break;
    case 3:
        gb_tlv_str(b, 3, c->subject);
        break;
    case 4:
        gb_tlv_be16(b, 4, r->function);
        break;
    case 5:
        gb_tlv_str(b, 5, c->issuer);
        break;
    case 6:
        gb_tlv(b, 6, c->serial, c->serial_len);
        break;
    case 7:
        gb_tlv(b, 7, c->public_key, c->public_key_len);
        break;
    case 8:
        gb_tlv(b, 8, c->cert_signature, c->cert_signature_len);
        break;
    case 9:
        gb_tlv(b, 9, c->der, c->der_len);
        break;
    case 10:
        gb_tlv(b, 10, r->ip, 4);
        break;
    case 11:
        EVP_Digest(c->der, c->der_len, sha1, NULL, EVP_sha1(), NULL);
        gb_tlv(b, 11, sha1, sizeof sha1);
        break;
    case 12:
        gb_tlv_u8(b, 12, 1); /* SHA-1, matching tag 11 */
        break;
    }
}

static void record_write(gen_buf *b, const rec_spec *r, int order, gen_name_style style)
{
    static const uint8_t cisco_order[] = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    static const uint8_t ucm_order[] = {2, 3, 5, 6, 4, 7, 8, 9, 10, 11, 12};
    _Static_assert(sizeof cisco_order == sizeof ucm_order, "same tags, different order");
    const uint8_t *tags = order == ORDER_CISCO ? cisco_order : ucm_order;
    gen_cert c = {0};
    if (r->cert_path && gen_cert_load(r->cert_path, style, &c))
        exit(2);
    size_t start = b->len;
    gb_tlv_be16(b, 1, 0);
    for (size_t i = 0; i < sizeof cisco_order; i++)
        if (record_has_tag(r, order, tags[i]))
            record_elem(b, r, &c, tags[i]);
    if (b->len - start > 0xFFFF)
        die("record too long", r->cert_path);
    gb_patch_be16(b, start + 3, (uint16_t)(b->len - start));
    gen_cert_free(&c);
}

static void build_trust_list(const opts *o, const signer *s, gen_buf *out)
{
    static const uint8_t v12[2] = {1, 2};
    gen_buf body = {0}, tail = {0};
    for (size_t i = 0; i < o->n_recs; i++)
        record_write(&body, &o->recs[i], o->order, o->name_style);
    const char *fname = o->filename ? o->filename : o->ctl ? "CTLFile.tlv" : "ITLFile.tlv";
    header_tail(&tail, fname, o->timestamp);
    build_signed(o, o->has_header_version ? o->header_version : v12, s, &tail, &body, out);
    gb_free(&body);
    gb_free(&tail);
}

/* ---- .sgn ------------------------------------------------------------------------------ */

static void build_sgn(const opts *o, const signer *s, const gen_buf *payload, const char *fname,
                      gen_buf *out)
{
    static const uint8_t v10[2] = {1, 0};
    gen_buf tail = {0};
    header_tail(&tail, fname, o->timestamp);
    build_signed(o, o->has_header_version ? o->header_version : v10, s, &tail, payload, out);
    gb_free(&tail);
}

/* ---- .enc.sgn -------------------------------------------------------------------------- */

typedef struct enc_material {
    uint8_t key[16], iv[16];
    uint16_t pad;
    gen_buf wrapped, cipher;
} enc_material;

static void aes_encrypt(enc_material *m, const gen_buf *plain)
{
    gen_buf padded = {0};
    gb_put(&padded, plain->p, plain->len);
    m->pad = (uint16_t)(16 - plain->len % 16); /* 1..16: a full block when already aligned */
    for (uint16_t i = 0; i < m->pad; i++)
        gb_u8(&padded, 0x0D);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t *ct = OPENSSL_malloc(padded.len);
    int n1 = 0, n2 = 0;
    if (!ctx || !ct || EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, m->key, m->iv) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
        EVP_EncryptUpdate(ctx, ct, &n1, padded.p, (int)padded.len) != 1 ||
        EVP_EncryptFinal_ex(ctx, ct + n1, &n2) != 1)
        die("AES encryption failed", NULL);
    gb_put(&m->cipher, ct, (size_t)(n1 + n2));
    OPENSSL_free(ct);
    EVP_CIPHER_CTX_free(ctx);
    gb_free(&padded);
}

static void wrap_key(enc_material *m, const char *phone_cert_path)
{
    gen_cert phone;
    if (gen_cert_load(phone_cert_path, NAME_STYLE_CUCM, &phone))
        exit(2);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(X509_get0_pubkey(phone.x509), NULL);
    size_t n = 0;
    if (!ctx || EVP_PKEY_encrypt_init(ctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_encrypt(ctx, NULL, &n, m->key, 16) != 1)
        die("phone certificate must hold an RSA key", phone_cert_path);
    uint8_t *w = OPENSSL_malloc(n);
    if (!w || EVP_PKEY_encrypt(ctx, w, &n, m->key, 16) != 1)
        die("key wrapping failed", phone_cert_path);
    gb_put(&m->wrapped, w, n);
    OPENSSL_free(w);
    EVP_PKEY_CTX_free(ctx);
    gen_cert_free(&phone);
}

/* Tags 16-27 (docs/formats.md section 5); they follow tag 15 and are covered by the signature. */
static void enc_block(gen_buf *tail, const enc_material *m, uint8_t hash_id, const gen_buf *plain)
{
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    size_t info = gb_open(tail, 16);
    size_t ivi = gb_open(tail, 17);
    gb_tlv_u8(tail, 18, 0);
    gb_tlv(tail, 19, m->iv, 16);
    gb_tlv_be16(tail, 20, m->pad);
    gb_close(tail, ivi);
    size_t keyi = gb_open(tail, 21);
    gb_tlv_u8(tail, 22, 0);
    gb_tlv_be16(tail, 23, (uint16_t)(m->wrapped.len * 8)); /* as usecallmanager writes it */
    gb_tlv_u8(tail, 24, 1);
    gb_tlv(tail, 25, m->wrapped.p, m->wrapped.len);
    gb_close(tail, keyi);
    gb_close(tail, info);
    gb_tlv_u8(tail, 26, hash_id);
    EVP_Digest(plain->p, plain->len, digest, &dlen, hash_md(hash_id), NULL);
    gb_tlv(tail, 27, digest, dlen);
}

static void build_stub_xml(const char *phone_cert_path, gen_buf *xml)
{
    gen_cert phone;
    uint8_t md5[16];
    char hex[33];
    if (gen_cert_load(phone_cert_path, NAME_STYLE_CUCM, &phone))
        exit(2);
    EVP_Digest(phone.der, phone.der_len, md5, NULL, EVP_md5(), NULL);
    for (size_t i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", md5[i]);
    gen_cert_free(&phone);
    char text[1024];
    int n = snprintf(text, sizeof text,
                     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<device>\n"
                     "<fullConfig>false</fullConfig>\n<ipAddressMode>0</ipAddressMode>\n"
                     "<loadInformation></loadInformation>\n<capfAuthMode>0</capfAuthMode>\n"
                     "<capfList></capfList>\n<certHash>%s</certHash>\n"
                     "<encrConfig>true</encrConfig>\n</device>\n",
                     hex);
    gb_put(xml, text, (size_t)n);
}

static void write_stub_sgn(const opts *o, const signer *s)
{
    gen_buf xml = {0}, out = {0};
    opts plain_opts = *o;
    plain_opts.has_header_version = false;
    build_stub_xml(o->phone_cert, &xml);
    build_sgn(&plain_opts, s, &xml, base_name(o->stub_sgn), &out);
    write_file(o->stub_sgn, &out);
    gb_free(&xml);
    gb_free(&out);
}

static void build_enc_sgn(const opts *o, const signer *s, const gen_buf *plain, gen_buf *out)
{
    static const uint8_t v20[2] = {2, 0};
    enc_material m = {0};
    if (o->has_aes_key)
        memcpy(m.key, o->aes_key, 16);
    else if (RAND_bytes(m.key, 16) != 1)
        die("RAND_bytes failed", NULL);
    if (o->has_iv)
        memcpy(m.iv, o->iv, 16);
    else if (RAND_bytes(m.iv, 16) != 1)
        die("RAND_bytes failed", NULL);
    aes_encrypt(&m, plain);
    wrap_key(&m, o->phone_cert);
    gen_buf tail = {0};
    header_tail(&tail, o->filename ? o->filename : base_name(o->out), o->timestamp);
    enc_block(&tail, &m, o->hash_id, plain);
    build_signed(o, o->has_header_version ? o->header_version : v20, s, &tail, &m.cipher, out);
    gb_free(&tail);
    gb_free(&m.wrapped);
    gb_free(&m.cipher);
}

/* ---- main ------------------------------------------------------------------------------ */

static void run(const opts *o, const signer *s, gen_buf *out)
{
    gen_buf in = {0};
    if (strcmp(o->mode, "tl") == 0) {
        build_trust_list(o, s, out);
    } else if (strcmp(o->mode, "sgn") == 0) {
        if (!o->in)
            die("sgn needs --in PAYLOAD", NULL);
        read_file(o->in, &in);
        build_sgn(o, s, &in, o->filename ? o->filename : base_name(o->out), out);
    } else if (strcmp(o->mode, "encsgn") == 0) {
        if (!o->in || !o->phone_cert)
            die("encsgn needs --in PLAIN and --phone-cert PHONE.pem", NULL);
        read_file(o->in, &in);
        build_enc_sgn(o, s, &in, out);
        if (o->stub_sgn)
            write_stub_sgn(o, s);
    } else {
        die("unknown mode (tl|sgn|encsgn)", o->mode);
    }
    gb_free(&in);
}

int main(int argc, char **argv)
{
    opts o;
    signer s;
    gen_buf out = {0};
    parse_args(argc, argv, &o);
    signer_load(&o, &s);
    run(&o, &s, &out);
    apply_breakage(&o, &out);
    write_file(o.out, &out);
    gb_free(&out);
    signer_free(&s);
    return 0;
}
