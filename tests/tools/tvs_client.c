/* tvs_client: TEST TVS client on OpenSSL (plays the phone), for loopback captures and tests.
 *
 *   tvs_client --connect ADDR:PORT --device CP-8861-SEP001122334455 [--verify CERT]...
 *              [--query CERT]... [--session-id N] [--keylog FILE] [--tls1|--tls1_2|--tls1_3]
 *              [--ca CA.pem] [--cert C.pem --key K.pem] [--pipeline] [--timeout SECONDS]
 *
 * Requests go in command-line order on one connection, one PDU each: --verify sends the
 * certificate (VERIFY_REQUEST), --query sends its subject, issuer and serial (QUERY_CERT_REQUEST).
 * --pipeline writes all requests before reading any answer. One line per answer on stdout:
 *   TYPE session=N status=S roles=R ttl=T cert_sha256=H request=verify:PATH
 * ("-" for absent elements). Exit 0 when every request got an answer of the matching type and
 * session, 1 otherwise, 2 on usage errors. --ca makes the server certificate checked against CA. */
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tvs_common.h"

#define PROG "tvs_client"
#define MAX_REQUESTS 64

typedef struct request {
    uint8_t type; /* SBD_TVS_VERIFY_REQUEST or SBD_TVS_QUERY_CERT_REQUEST */
    const char *path;
} request;

typedef struct client {
    const char *connect, *device, *keylog, *ca, *cert, *key;
    int tls_version, timeout;
    uint32_t session_id;
    bool pipeline;
    request reqs[MAX_REQUESTS];
    size_t n_reqs;
} client;

static tvs_pdu pdu;
static uint8_t out[MAX_REQUESTS * 4096];

static void usage(void)
{
    fprintf(stderr,
            "usage: " PROG
            " --connect ADDR:PORT --device NAME [--verify CERT]... [--query CERT]...\n"
            "       [--session-id N] [--keylog FILE] [--tls1|--tls1_2|--tls1_3] [--ca CA.pem]\n"
            "       [--cert C.pem --key K.pem] [--pipeline] [--timeout S]\n");
}

/* --- requests --------------------------------------------------------------------------------- */

static bool add_device(const client *c)
{
    /* Device element: 0x01 then the ASCII name without NUL, as in the CUCM trace. */
    uint8_t val[256];
    size_t n = strlen(c->device);
    if (n + 1 > sizeof val)
        return false;
    val[0] = 0x01;
    memcpy(val + 1, c->device, n);
    return tvs_pdu_add(&pdu, SBD_TVS_EL_DEVICE_NAME, val, n + 1);
}

static bool build_request(const client *c, const request *r)
{
    tvs_cert cert;
    if (!tvs_cert_load(r->path, &cert, PROG))
        return false;
    tvs_pdu_begin(&pdu, r->type, c->session_id);
    bool ok = add_device(c);
    if (r->type == SBD_TVS_VERIFY_REQUEST) {
        ok = ok && tvs_pdu_add(&pdu, SBD_TVS_EL_CERTIFICATE, cert.der, cert.der_len);
    } else {
        /* Strings go with their NUL, as CUCM sends them. */
        ok = ok && tvs_pdu_add(&pdu, SBD_TVS_EL_SUBJECT, cert.subject, strlen(cert.subject) + 1) &&
             tvs_pdu_add(&pdu, SBD_TVS_EL_ISSUER, cert.issuer, strlen(cert.issuer) + 1) &&
             tvs_pdu_add(&pdu, SBD_TVS_EL_SERIAL, cert.serial, cert.serial_len);
    }
    tvs_cert_free(&cert);
    if (!ok)
        fprintf(stderr, PROG ": %s: request does not fit one PDU\n", r->path);
    tvs_pdu_finish(&pdu);
    return ok;
}

/* --- answers ---------------------------------------------------------------------------------- */

static void print_answer(const sbd_tvs_msg *m, const request *r)
{
    char status[8] = "-", roles[128] = "-", ttl[16] = "-", sha[65] = "-";
    if (m->status)
        snprintf(status, sizeof status, "%u", m->status_value);
    if (m->roles)
        tvs_roles_format(pdu.b + m->roles->off + 3, m->roles->len, roles, sizeof roles);
    if (m->ttl)
        snprintf(ttl, sizeof ttl, "%u", m->ttl_value);
    if (m->certificate) {
        uint8_t md[32];
        unsigned int mdlen = 0;
        if (EVP_Digest(pdu.b + m->certificate->off + 3, m->certificate->len, md, &mdlen,
                       EVP_sha256(), NULL) == 1)
            tvs_hex(md, sizeof md, sha, sizeof sha);
    }
    const char *name = sbd_tvs_msg_name(m->type);
    printf("%s session=%u status=%s roles=%s ttl=%s cert_sha256=%s request=%s:%s\n",
           name ? name : "UNKNOWN", m->session_id, status, roles, ttl, sha,
           r->type == SBD_TVS_VERIFY_REQUEST ? "verify" : "query", r->path);
    fflush(stdout);
}

/* Reads and checks the answer to r. */
static bool read_answer(SSL *ssl, const client *c, const request *r)
{
    static sbd_tvs_msg m;
    if (tvs_read_pdu(ssl, &pdu, PROG) != 1) {
        fprintf(stderr, PROG ": no answer for %s\n", r->path);
        return false;
    }
    size_t used = 0;
    sbd_error err = {0};
    if (sbd_tvs_parse(pdu.b, pdu.n, &m, &used, &err) != SBD_OK) {
        fprintf(stderr, PROG ": bad answer for %s: %s\n", r->path, err.msg);
        return false;
    }
    print_answer(&m, r);
    unsigned want_type = r->type + 1u; /* every TVS answer type is its request type + 1 */
    if (m.type != want_type || m.session_id != c->session_id) {
        fprintf(stderr, PROG ": answer for %s has type %u session %u, expected %u and %u\n",
                r->path, m.type, m.session_id, want_type, c->session_id);
        return false;
    }
    return true;
}

/* --- connection ------------------------------------------------------------------------------- */

static int connect_to(const client *c)
{
    char host[256], port[32];
    if (!tvs_split_hostport(c->connect, host, sizeof host, port, sizeof port)) {
        fprintf(stderr, PROG ": --connect wants ADDR:PORT, got %s\n", c->connect);
        return -1;
    }
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        fprintf(stderr, PROG ": %s: %s\n", c->connect, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        perror(PROG ": connect");
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd >= 0) {
        struct timeval tv = {.tv_sec = c->timeout, .tv_usec = 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    return fd;
}

static SSL_CTX *make_ctx(const client *c)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    bool ok =
        ctx && tvs_ctx_set_version(ctx, c->tls_version) && tvs_ctx_keylog(ctx, c->keylog, PROG);
    if (ok && c->ca) {
        ok = SSL_CTX_load_verify_locations(ctx, c->ca, NULL) == 1;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    if (ok && c->cert)
        ok = SSL_CTX_use_certificate_chain_file(ctx, c->cert) == 1 &&
             SSL_CTX_use_PrivateKey_file(ctx, c->key ? c->key : c->cert, SSL_FILETYPE_PEM) == 1;
    if (!ok) {
        tvs_print_ssl_errors(PROG, "TLS setup");
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* Sends every request; in lock-step, or all at once with --pipeline (one TLS write). */
static bool exchange(SSL *ssl, const client *c)
{
    size_t n_out = 0;
    for (size_t i = 0; i < c->n_reqs; i++) {
        if (!build_request(c, &c->reqs[i]))
            return false;
        if (!c->pipeline) {
            if (!tvs_write_all(ssl, pdu.b, pdu.n) || !read_answer(ssl, c, &c->reqs[i]))
                return false;
            continue;
        }
        if (n_out + pdu.n > sizeof out) {
            fprintf(stderr, PROG ": --pipeline requests exceed %zu bytes\n", sizeof out);
            return false;
        }
        memcpy(out + n_out, pdu.b, pdu.n);
        n_out += pdu.n;
    }
    if (!c->pipeline)
        return true;
    if (!tvs_write_all(ssl, out, n_out))
        return false;
    for (size_t i = 0; i < c->n_reqs; i++)
        if (!read_answer(ssl, c, &c->reqs[i]))
            return false;
    return true;
}

static int run(const client *c)
{
    SSL_CTX *ctx = make_ctx(c);
    int fd = ctx ? connect_to(c) : -1;
    SSL *ssl = fd >= 0 ? SSL_new(ctx) : NULL;
    int rc = 1;
    if (ssl && SSL_set_fd(ssl, fd) == 1 && SSL_connect(ssl) == 1) {
        fprintf(stderr, PROG ": %s %s\n", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
        if (exchange(ssl, c))
            rc = 0;
        SSL_shutdown(ssl);
    } else if (ssl) {
        tvs_print_ssl_errors(PROG, "TLS handshake");
    }
    SSL_free(ssl);
    if (fd >= 0)
        close(fd);
    SSL_CTX_free(ctx);
    return rc;
}

/* --- command line ----------------------------------------------------------------------------- */

enum { OPT_TLS1 = 256, OPT_TLS12, OPT_TLS13, OPT_PIPELINE };

static bool add_request(client *c, uint8_t type, const char *path)
{
    if (c->n_reqs >= MAX_REQUESTS) {
        fprintf(stderr, PROG ": more than %d requests\n", MAX_REQUESTS);
        return false;
    }
    c->reqs[c->n_reqs].type = type;
    c->reqs[c->n_reqs].path = path;
    c->n_reqs++;
    return true;
}

static bool parse_args(client *c, int argc, char **argv)
{
    static const struct option opts[] = {{"connect", required_argument, NULL, 'C'},
                                         {"device", required_argument, NULL, 'd'},
                                         {"verify", required_argument, NULL, 'v'},
                                         {"query", required_argument, NULL, 'q'},
                                         {"session-id", required_argument, NULL, 's'},
                                         {"keylog", required_argument, NULL, 'l'},
                                         {"ca", required_argument, NULL, 'A'},
                                         {"cert", required_argument, NULL, 'c'},
                                         {"key", required_argument, NULL, 'k'},
                                         {"timeout", required_argument, NULL, 'w'},
                                         {"tls1", no_argument, NULL, OPT_TLS1},
                                         {"tls1_2", no_argument, NULL, OPT_TLS12},
                                         {"tls1_3", no_argument, NULL, OPT_TLS13},
                                         {"pipeline", no_argument, NULL, OPT_PIPELINE},
                                         {NULL, 0, NULL, 0}};
    int o;
    bool ok = true;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'C':
            c->connect = optarg;
            break;
        case 'd':
            c->device = optarg;
            break;
        case 'v':
            ok = ok && add_request(c, SBD_TVS_VERIFY_REQUEST, optarg);
            break;
        case 'q':
            ok = ok && add_request(c, SBD_TVS_QUERY_CERT_REQUEST, optarg);
            break;
        case 's':
            c->session_id = (uint32_t)strtoul(optarg, NULL, 0);
            break;
        case 'l':
            c->keylog = optarg;
            break;
        case 'A':
            c->ca = optarg;
            break;
        case 'c':
            c->cert = optarg;
            break;
        case 'k':
            c->key = optarg;
            break;
        case 'w':
            c->timeout = atoi(optarg);
            break;
        case OPT_TLS1:
            c->tls_version = 10;
            break;
        case OPT_TLS12:
            c->tls_version = 12;
            break;
        case OPT_TLS13:
            c->tls_version = 13;
            break;
        case OPT_PIPELINE:
            c->pipeline = true;
            break;
        default:
            return false;
        }
    }
    if (!ok || optind != argc || !c->connect || !c->device || c->n_reqs == 0) {
        usage();
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    static client c;
    c.session_id = 1001; /* 0x3E9, the id seen in CUCM traces */
    c.timeout = 30;
    signal(SIGPIPE, SIG_IGN);
    if (!parse_args(&c, argc, argv))
        return 2;
    return run(&c);
}
