/* tvs_server: TEST TVS responder on OpenSSL, for loopback captures and the tools.tvs.* tests.
 * Answers VERIFY_REQUEST by SHA-256 of the offered certificate and QUERY_CERT_REQUEST by issuer +
 * serial, both against the --trust certificates; echoes each request's session id.
 *
 *   tvs_server --accept ADDR:PORT --cert C.pem --key K.pem [--tls1|--tls1_2|--tls1_3]
 *              [--roles LIST] [--trust FILE_OR_DIR]... [--ttl SECONDS] [--count N]
 *              [--keylog FILE] [--ready-file FILE] [--ask-client-cert] [--timeout SECONDS]
 *
 * --timeout (default 30, 0 = none) bounds the wait for each client and each read, so a forgotten
 * server ends by itself.
 * --roles applies to the --trust arguments after it (default CCM+TFTP). PORT 0 picks a free port;
 * --ready-file receives "ADDR:PORT" once listening. Exits 0 after --count connections (0 = never)
 * when every connection was served without a protocol or TLS error. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "tvs_common.h"

#define PROG "tvs_server"
#define MAX_TRUST 256

typedef struct server {
    const char *accept, *cert, *key, *keylog, *ready_file;
    int tls_version;
    bool ask_client_cert;
    unsigned long count;
    uint32_t ttl;
    int timeout;
    uint8_t roles[TVS_MAX_ROLES]; /* for the next --trust */
    size_t n_roles;
    tvs_cert trust[MAX_TRUST];
    size_t n_trust;
    SSL_CTX *ctx;
    int listen_fd;
} server;

static tvs_pdu req, resp; /* 64 KiB each: not on the stack */

static void usage(void)
{
    fprintf(stderr,
            "usage: " PROG
            " --accept ADDR:PORT --cert C.pem --key K.pem [--tls1|--tls1_2|--tls1_3]\n"
            "       [--roles LIST] [--trust FILE_OR_DIR]... [--ttl S] [--count N] [--keylog FILE]\n"
            "       [--ready-file FILE] [--ask-client-cert] [--timeout S]\n");
}

/* --- trust store ------------------------------------------------------------------------------ */

static bool add_trusted(server *s, X509 *x, const char *from)
{
    if (s->n_trust >= MAX_TRUST) {
        fprintf(stderr, PROG ": more than %d trusted certificates\n", MAX_TRUST);
        X509_free(x);
        return false;
    }
    tvs_cert *c = &s->trust[s->n_trust];
    if (!tvs_cert_from_x509(x, c)) {
        fprintf(stderr, PROG ": %s: unreadable certificate\n", from);
        tvs_cert_free(c);
        return false;
    }
    memcpy(c->roles, s->roles, s->n_roles);
    c->n_roles = s->n_roles;
    s->n_trust++;
    return true;
}

/* Every certificate in a PEM file (bundles allowed), or the one in a DER file. */
static bool load_trust_file(server *s, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, PROG ": cannot open %s\n", path);
        return false;
    }
    size_t before = s->n_trust;
    bool ok = true;
    X509 *x;
    while (ok && (x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL)
        ok = add_trusted(s, x, path);
    if (ok && s->n_trust == before) {
        rewind(fp);
        x = d2i_X509_fp(fp, NULL);
        ok = x && add_trusted(s, x, path);
    }
    ERR_clear_error();
    fclose(fp);
    if (ok && s->n_trust == before)
        ok = false;
    if (!ok)
        fprintf(stderr, PROG ": %s: no certificate loaded\n", path);
    return ok;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static bool cert_file_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && name[0] != '.' &&
           (strcmp(name + n - 4, ".pem") == 0 || strcmp(name + n - 4, ".crt") == 0 ||
            strcmp(name + n - 4, ".der") == 0);
}

/* Directory: its *.pem, *.crt and *.der files in name order (PEM files with only a key add
 * nothing and are skipped silently). */
static bool load_trust_dir(server *s, const char *dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0) {
        fprintf(stderr, PROG ": cannot read directory %s\n", dir);
        return false;
    }
    bool ok = true;
    for (int i = 0; i < n; i++) {
        if (ok && cert_file_name(names[i]->d_name)) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            size_t before = s->n_trust;
            FILE *fp = fopen(path, "rb");
            X509 *x = NULL;
            while (ok && fp && (x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL)
                ok = add_trusted(s, x, path);
            if (ok && fp && s->n_trust == before && strstr(names[i]->d_name, ".der")) {
                rewind(fp);
                x = d2i_X509_fp(fp, NULL);
                ok = !x || add_trusted(s, x, path);
            }
            if (fp)
                fclose(fp);
            ERR_clear_error();
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

static bool load_trust(server *s, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        return false;
    }
    return S_ISDIR(st.st_mode) ? load_trust_dir(s, path) : load_trust_file(s, path);
}

/* --- answering -------------------------------------------------------------------------------- */

static const tvs_cert *find_by_hash(const server *s, const uint8_t *der, size_t len)
{
    uint8_t md[32];
    unsigned int mdlen = 0;
    if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) != 1)
        return NULL;
    for (size_t i = 0; i < s->n_trust; i++)
        if (memcmp(s->trust[i].sha256, md, sizeof md) == 0)
            return &s->trust[i];
    return NULL;
}

/* Strings in TVS elements are NUL-terminated; compare without the NUL(s). */
static bool same_name(const uint8_t *val, size_t len, const char *name)
{
    while (len > 0 && val[len - 1] == '\0')
        len--;
    return len == strlen(name) && memcmp(val, name, len) == 0;
}

/* Serials compare as unsigned numbers, so a DER-style leading 0x00 does not matter. */
static bool same_serial(const uint8_t *val, size_t len, const tvs_cert *c)
{
    while (len > 1 && val[0] == 0) {
        val++;
        len--;
    }
    return len == c->serial_len && memcmp(val, c->serial, len) == 0;
}

static const tvs_cert *find_by_issuer_serial(const server *s, const sbd_tvs_msg *m)
{
    if (!m->issuer || !m->serial)
        return NULL;
    const uint8_t *issuer = req.b + m->issuer->off + 3;
    const uint8_t *serial = req.b + m->serial->off + 3;
    for (size_t i = 0; i < s->n_trust; i++)
        if (same_name(issuer, m->issuer->len, s->trust[i].issuer) &&
            same_serial(serial, m->serial->len, &s->trust[i]))
            return &s->trust[i];
    return NULL;
}

static void build_answer(const server *s, uint8_t type, uint32_t session, const tvs_cert *hit,
                         bool with_cert)
{
    uint8_t status = hit ? 0 : 1;
    tvs_pdu_begin(&resp, type, session);
    tvs_pdu_add(&resp, SBD_TVS_EL_STATUS, &status, 1);
    if (hit) {
        const uint8_t ttl[4] = {(uint8_t)(s->ttl >> 24), (uint8_t)(s->ttl >> 16),
                                (uint8_t)(s->ttl >> 8), (uint8_t)s->ttl};
        /* Order as in the CUCM trace: status, certificate, roles, TTL. */
        if (with_cert)
            tvs_pdu_add(&resp, SBD_TVS_EL_CERTIFICATE, hit->der, hit->der_len);
        tvs_pdu_add(&resp, SBD_TVS_EL_ROLES, hit->roles, hit->n_roles);
        tvs_pdu_add(&resp, SBD_TVS_EL_TTL, ttl, sizeof ttl);
    }
    tvs_pdu_finish(&resp);
}

static void log_request(const sbd_tvs_msg *m, const tvs_cert *hit)
{
    char device[64] = "-";
    if (m->device_name && m->device_name->len > 1) {
        /* First value byte is 0x01 (meaning unknown), the rest ASCII without NUL. */
        size_t n = m->device_name->len - 1u;
        if (n >= sizeof device)
            n = sizeof device - 1;
        memcpy(device, req.b + m->device_name->off + 4, n);
        device[n] = '\0';
        for (size_t i = 0; i < n; i++)
            if (device[i] < 0x20 || device[i] > 0x7e)
                device[i] = '?';
    }
    fprintf(stderr, PROG ": %s session %u device %s -> status %d%s%s\n", sbd_tvs_msg_name(m->type),
            m->session_id, device, hit ? 0 : 1, hit ? " " : "", hit ? hit->subject : "");
}

/* Parses req and fills resp. False when the request cannot be answered (connection ends). */
static bool answer(const server *s)
{
    static sbd_tvs_msg m;
    size_t used = 0;
    sbd_error err = {0};
    if (sbd_tvs_parse(req.b, req.n, &m, &used, &err) != SBD_OK) {
        fprintf(stderr, PROG ": bad request: %s\n", err.msg);
        return false;
    }
    const tvs_cert *hit = NULL;
    switch (m.type) {
    case SBD_TVS_VERIFY_REQUEST:
        if (m.certificate)
            hit = find_by_hash(s, req.b + m.certificate->off + 3, m.certificate->len);
        build_answer(s, SBD_TVS_VERIFY_RESPONSE, m.session_id, hit, false);
        break;
    case SBD_TVS_QUERY_CERT_REQUEST:
        hit = find_by_issuer_serial(s, &m);
        build_answer(s, SBD_TVS_QUERY_CERT_RESPONSE, m.session_id, hit, true);
        break;
    default:
        fprintf(stderr, PROG ": unexpected message type %u, closing\n", m.type);
        return false;
    }
    log_request(&m, hit);
    return true;
}

/* --- connections ------------------------------------------------------------------------------ */

static int accept_any_client_cert(int preverify, X509_STORE_CTX *x)
{
    (void)preverify;
    (void)x;
    return 1; /* phones present self-made LSCs/MICs: record, never reject */
}

static bool make_ctx(server *s)
{
    s->ctx = SSL_CTX_new(TLS_server_method());
    if (!s->ctx || !tvs_ctx_set_version(s->ctx, s->tls_version) ||
        SSL_CTX_use_certificate_chain_file(s->ctx, s->cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(s->ctx, s->key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(s->ctx) != 1) {
        tvs_print_ssl_errors(PROG, "TLS setup");
        return false;
    }
    if (s->ask_client_cert)
        SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, accept_any_client_cert);
    return tvs_ctx_keylog(s->ctx, s->keylog, PROG);
}

static bool write_ready_file(const server *s)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[NI_MAXHOST], port[NI_MAXSERV], tmp[4096];
    if (getsockname(s->listen_fd, (struct sockaddr *)&ss, &sl) != 0 ||
        getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return false;
    fprintf(stderr, PROG ": listening on %s port %s\n", host, port);
    if (!s->ready_file)
        return true;
    /* Written under a temporary name and renamed, so a reader never sees half a line. */
    snprintf(tmp, sizeof tmp, "%s.tmp", s->ready_file);
    FILE *fp = fopen(tmp, "w");
    if (!fp)
        return false;
    bool v6 = strchr(host, ':') != NULL;
    fprintf(fp, "%s%s%s:%s\n", v6 ? "[" : "", host, v6 ? "]" : "", port);
    return fclose(fp) == 0 && rename(tmp, s->ready_file) == 0;
}

static bool listen_on(server *s)
{
    char host[256], port[32];
    if (!tvs_split_hostport(s->accept, host, sizeof host, port, sizeof port)) {
        fprintf(stderr, PROG ": --accept wants ADDR:PORT, got %s\n", s->accept);
        return false;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        fprintf(stderr, PROG ": %s: %s\n", s->accept, gai_strerror(rc));
        return false;
    }
    s->listen_fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    int one = 1;
    bool ok = s->listen_fd >= 0 &&
              setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
              bind(s->listen_fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(s->listen_fd, 8) == 0;
    if (!ok)
        fprintf(stderr, PROG ": cannot listen on %s: %s\n", s->accept, strerror(errno));
    freeaddrinfo(ai);
    if (ok && s->timeout > 0) {
        /* Linux applies the receive timeout to accept(): no client for that long ends the run. */
        struct timeval tv = {.tv_sec = s->timeout, .tv_usec = 0};
        setsockopt(s->listen_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    return ok && write_ready_file(s);
}

static void log_client_cert(const SSL *ssl)
{
    X509 *peer = SSL_get1_peer_certificate(ssl);
    tvs_cert c;
    if (!peer)
        return;
    if (tvs_cert_from_x509(peer, &c))
        fprintf(stderr, PROG ": client certificate %s\n", c.subject);
    tvs_cert_free(&c); /* also frees peer */
}

/* One TLS connection: answer PDUs until the client closes. True when it ended cleanly. */
static bool serve_one(server *s, int fd)
{
    if (s->timeout > 0) {
        struct timeval tv = {.tv_sec = s->timeout, .tv_usec = 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    SSL *ssl = SSL_new(s->ctx);
    if (!ssl || SSL_set_fd(ssl, fd) != 1 || SSL_accept(ssl) != 1) {
        tvs_print_ssl_errors(PROG, "TLS handshake");
        SSL_free(ssl);
        return false;
    }
    fprintf(stderr, PROG ": %s %s\n", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
    log_client_cert(ssl);
    bool ok = true;
    int rc;
    while ((rc = tvs_read_pdu(ssl, &req, PROG)) == 1) {
        if (!answer(s) || !tvs_write_all(ssl, resp.b, resp.n)) {
            ok = false;
            break;
        }
    }
    if (rc < 0)
        ok = false;
    if (ok)
        SSL_shutdown(ssl);
    SSL_free(ssl);
    return ok;
}

static int run(server *s)
{
    int failures = 0;
    for (unsigned long served = 0; s->count == 0 || served < s->count; served++) {
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                fprintf(stderr, PROG ": no client within %d s, giving up\n", s->timeout);
            else
                fprintf(stderr, PROG ": accept: %s\n", strerror(errno));
            return 1;
        }
        if (!serve_one(s, fd))
            failures++;
        close(fd);
    }
    return failures ? 1 : 0;
}

/* --- command line ----------------------------------------------------------------------------- */

enum { OPT_TLS1 = 256, OPT_TLS12, OPT_TLS13, OPT_ASK, OPT_READY };

static bool parse_args(server *s, int argc, char **argv)
{
    static const struct option opts[] = {{"accept", required_argument, NULL, 'a'},
                                         {"cert", required_argument, NULL, 'c'},
                                         {"key", required_argument, NULL, 'k'},
                                         {"trust", required_argument, NULL, 't'},
                                         {"roles", required_argument, NULL, 'r'},
                                         {"ttl", required_argument, NULL, 'T'},
                                         {"count", required_argument, NULL, 'n'},
                                         {"keylog", required_argument, NULL, 'l'},
                                         {"timeout", required_argument, NULL, 'w'},
                                         {"ready-file", required_argument, NULL, OPT_READY},
                                         {"tls1", no_argument, NULL, OPT_TLS1},
                                         {"tls1_2", no_argument, NULL, OPT_TLS12},
                                         {"tls1_3", no_argument, NULL, OPT_TLS13},
                                         {"ask-client-cert", no_argument, NULL, OPT_ASK},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            s->accept = optarg;
            break;
        case 'c':
            s->cert = optarg;
            break;
        case 'k':
            s->key = optarg;
            break;
        case 'l':
            s->keylog = optarg;
            break;
        case OPT_READY:
            s->ready_file = optarg;
            break;
        case 'n':
            s->count = strtoul(optarg, NULL, 10);
            break;
        case 'T':
            s->ttl = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'w':
            s->timeout = atoi(optarg);
            break;
        case OPT_TLS1:
            s->tls_version = 10;
            break;
        case OPT_TLS12:
            s->tls_version = 12;
            break;
        case OPT_TLS13:
            s->tls_version = 13;
            break;
        case OPT_ASK:
            s->ask_client_cert = true;
            break;
        case 'r':
            if (!tvs_roles_parse(optarg, s->roles, &s->n_roles)) {
                fprintf(stderr, PROG ": bad --roles %s\n", optarg);
                return false;
            }
            break;
        case 't':
            if (!load_trust(s, optarg))
                return false;
            break;
        default:
            return false;
        }
    }
    if (optind != argc || !s->accept || !s->cert || !s->key) {
        usage();
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    static server s;
    s.ttl = 86400;
    s.timeout = 30;
    s.listen_fd = -1;
    s.roles[0] = 2; /* CCM+TFTP */
    s.n_roles = 1;
    signal(SIGPIPE, SIG_IGN);
    int rc = 2;
    if (parse_args(&s, argc, argv)) {
        rc = 1;
        if (make_ctx(&s) && listen_on(&s))
            rc = run(&s);
    }
    if (s.listen_fd >= 0)
        close(s.listen_fd);
    SSL_CTX_free(s.ctx);
    for (size_t i = 0; i < s.n_trust; i++)
        tvs_cert_free(&s.trust[i]);
    return rc;
}
