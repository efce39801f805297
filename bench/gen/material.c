/* Reads the trust material gen-capture serves: per-phone files named as CUCM names them and the
 * TLS server chains, all from one directory (see bench/README.md). Loaded once; the capture size
 * does not change how much is held. */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

enum { MAX_FILE = 1 << 20, MAX_CHAIN = 4 };

static void read_file(const char *dir, const char *name, blob *out)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        die("path too long", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open", path);
    out->p = xcalloc(1, MAX_FILE);
    out->n = fread(out->p, 1, MAX_FILE, f);
    if (ferror(f) || !feof(f))
        die("unreadable or larger than 1 MiB", path);
    fclose(f);
    uint8_t *shrunk = realloc(out->p, out->n ? out->n : 1);
    if (shrunk)
        out->p = shrunk;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 12; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    for (int i = 0; i < 6; i++) {
        char two[3] = {s[2 * i], s[2 * i + 1], 0};
        mac[i] = (uint8_t)strtoul(two, NULL, 16);
    }
    return true;
}

/* NAME is PREFIX + 12 hex digits + SUFFIX exactly. */
static bool match_mac_name(const char *name, const char *prefix, const char *suffix, uint8_t mac[6])
{
    size_t lp = strlen(prefix), ls = strlen(suffix), ln = strlen(name);
    if (ln != lp + 12 + ls || strncmp(name, prefix, lp) != 0 || strcmp(name + lp + 12, suffix))
        return false;
    return parse_mac(name + lp, mac);
}

static phone_files *phone_for(material *m, const uint8_t mac[6])
{
    for (size_t i = 0; i < m->n_phones; i++)
        if (memcmp(m->phones[i].mac, mac, 6) == 0)
            return &m->phones[i];
    phone_files *np = realloc(m->phones, (m->n_phones + 1) * sizeof *np);
    if (!np)
        die("out of memory", NULL);
    m->phones = np;
    phone_files *p = &m->phones[m->n_phones++];
    memset(p, 0, sizeof *p);
    memcpy(p->mac, mac, 6);
    return p;
}

static int b64_value(int c)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *at = c ? strchr(alphabet, c) : NULL;
    return at ? (int)(at - alphabet) : -1;
}

/* Decodes one base64 body up to the END line; returns the DER length. */
static size_t b64_decode(const char *s, const char *end, uint8_t *out)
{
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (; s < end; s++) {
        int v = b64_value(*s);
        if (v < 0)
            continue; /* newlines, '=' */
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n;
}

static size_t read_chain(const char *dir, const char *name, blob *chain)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
    blob pem;
    read_file(dir, name, &pem);
    char *text = xcalloc(1, pem.n + 1);
    memcpy(text, pem.p, pem.n);
    size_t n = 0;
    for (char *at = strstr(text, begin); at && n < MAX_CHAIN; at = strstr(at, begin)) {
        at += strlen(begin);
        char *stop = strstr(at, end);
        if (!stop)
            die("unterminated PEM certificate in", name);
        chain[n].p = xcalloc(1, (size_t)(stop - at));
        chain[n].n = b64_decode(at, stop, chain[n].p);
        n++;
        at = stop;
    }
    free(text);
    free(pem.p);
    if (n == 0)
        die("no PEM certificate in", name);
    return n;
}

static int by_mac(const void *a, const void *b)
{
    return memcmp(((const phone_files *)a)->mac, ((const phone_files *)b)->mac, 6);
}

static void add_entry(material *m, const char *dir, const char *name)
{
    uint8_t mac[6];
    if (match_mac_name(name, "SEP", ".cnf.xml.sgn", mac))
        read_file(dir, name, &phone_for(m, mac)->cnf);
    else if (match_mac_name(name, "SEP", ".cnf.xml.enc.sgn", mac))
        read_file(dir, name, &phone_for(m, mac)->enc);
    else if (match_mac_name(name, "ITLSEP", ".tlv", mac))
        read_file(dir, name, &phone_for(m, mac)->itl);
    else if (match_mac_name(name, "CTLSEP", ".tlv", mac))
        read_file(dir, name, &phone_for(m, mac)->ctl);
    else if (strcmp(name, "tls-2445.pem") == 0)
        m->n_2445 = read_chain(dir, name, m->chain_2445);
    else if (strcmp(name, "tls-8443.pem") == 0)
        m->n_8443 = read_chain(dir, name, m->chain_8443);
}

void material_load(material *m, const char *dir)
{
    memset(m, 0, sizeof *m);
    DIR *d = opendir(dir);
    if (!d)
        die("cannot open trust directory", dir);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        add_entry(m, dir, e->d_name);
    closedir(d);
    /* readdir order differs between file systems: sort so the capture does not. */
    qsort(m->phones, m->n_phones, sizeof *m->phones, by_mac);
    for (size_t i = 0; i < m->n_phones; i++)
        if (!m->phones[i].itl.p || !m->phones[i].cnf.p)
            die("every phone needs ITLSEP<MAC>.tlv and SEP<MAC>.cnf.xml.sgn", dir);
    if (m->n_phones == 0)
        die("no SEP<MAC>.cnf.xml.sgn in", dir);
    if (m->n_2445 == 0 || m->n_8443 == 0)
        die("tls-2445.pem and tls-8443.pem are needed in", dir);
}

void material_load_regen(material *m, const char *dir)
{
    char sub[4096];
    if ((size_t)snprintf(sub, sizeof sub, "%s/regen", dir) >= sizeof sub)
        die("path too long", dir);
    material_load(m, sub);
}

static void free_blob(blob *b)
{
    free(b->p);
    b->p = NULL;
}

void material_free(material *m)
{
    for (size_t i = 0; i < m->n_phones; i++) {
        free_blob(&m->phones[i].itl);
        free_blob(&m->phones[i].ctl);
        free_blob(&m->phones[i].cnf);
        free_blob(&m->phones[i].enc);
    }
    free(m->phones);
    for (size_t i = 0; i < m->n_2445; i++)
        free_blob(&m->chain_2445[i]);
    for (size_t i = 0; i < m->n_8443; i++)
        free_blob(&m->chain_8443[i]);
    memset(m, 0, sizeof *m);
}
