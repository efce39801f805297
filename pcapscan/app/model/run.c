/* The run's accessors (run.h): what every layer after the scan reads off a run. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/certs.h"
#include "model/run.h"

char *run_endpoint(const cap_addr *a, uint16_t port, char *out, size_t outsz)
{
    return cap_addr_str(a, port, out, outsz);
}

const blob *run_kept(const run *r, const obs_file *f)
{
    return f && f->in_store && f->digest ? store_get(&r->content, f->digest->sha256) : NULL;
}

const blob *run_blob(const run *r, const obs_file *f)
{
    if (!f || !f->in_store || !f->digest)
        return NULL;
    blob *b = store_get(&r->content, f->digest->sha256);
    return b && b->parsed ? b : NULL;
}

const sbd_file *run_parsed(const run *r, const obs_file *f)
{
    const blob *b = run_blob(r, f);
    return b ? &b->f : NULL;
}

const sbd_cert_info *run_record_cert(const run *r, const obs_file *f, size_t i)
{
    return blob_record_cert(run_blob(r, f), i);
}

const char *finding_message(const finding *x, char buf[FINDING_MESSAGE_MAX])
{
    const char *m = x->msg;
    if (!m)
        return "";
    if (m[0] == FINDING_MSG_WHOLE)
        return m + 1;
    uint16_t pre, suf;
    const char *base;
    memcpy(&pre, m + 1, 2);
    memcpy(&suf, m + 3, 2);
    memcpy(&base, m + 5, sizeof base);
    const char *mid = m + 5 + sizeof base;
    size_t blen = strlen(base), mlen = strlen(mid);
    if (pre + mlen + suf >= FINDING_MESSAGE_MAX || pre + suf > blen)
        return ""; /* not something the rules pass writes */
    memcpy(buf, base, pre);
    memcpy(buf + pre, mid, mlen);
    memcpy(buf + pre + mlen, base + blen - suf, suf);
    buf[pre + mlen + suf] = '\0';
    return buf;
}

/* Shares of a message with the last whole one of its rule below this are not worth coding. */
#define MSG_MIN_SHARED 24

const char *finding_keep_message(strpool *pool, const char **base, const char *text)
{
    size_t n = strnlen(text, FINDING_MESSAGE_MAX - 1);
    const char *b = *base;
    if (b) {
        size_t blen = strlen(b), pre = 0, suf = 0;
        while (pre < blen && pre < n && b[pre] == text[pre])
            pre++;
        while (suf < blen - pre && suf < n - pre && b[blen - 1 - suf] == text[n - 1 - suf])
            suf++;
        if (pre + suf >= MSG_MIN_SHARED) {
            size_t mid = n - pre - suf;
            char *m = strpool_alloc(pool, 5 + sizeof b + mid + 1);
            if (!m)
                return NULL;
            uint16_t pre16 = (uint16_t)pre, suf16 = (uint16_t)suf;
            m[0] = FINDING_MSG_CODED;
            memcpy(m + 1, &pre16, 2);
            memcpy(m + 3, &suf16, 2);
            memcpy(m + 5, &b, sizeof b);
            memcpy(m + 5 + sizeof b, text + pre, mid);
            m[5 + sizeof b + mid] = '\0';
            return m;
        }
    }
    char *m = strpool_alloc(pool, n + 2);
    if (!m)
        return NULL;
    m[0] = FINDING_MSG_WHOLE;
    memcpy(m + 1, text, n);
    m[n + 1] = '\0';
    *base = m + 1;
    return m;
}

const char *run_sig_word(const obs_file *f)
{
    switch (f->sig) {
    case SBD_SIG_VALID:
        return "valid";
    case SBD_SIG_INVALID:
    case SBD_SIG_BAD_KEY:
        return "invalid";
    case SBD_SIG_SIGNER_UNKNOWN:
        return "signer_unknown";
    case SBD_SIG_NOT_SIGNED:
        return "not_signed";
    default:
        return "not_checked";
    }
}

const char *run_kind_word(const run *r, const obs_file *f)
{
    const sbd_file *p = run_parsed(r, f);
    if (p) {
        if (p->kind == SBD_KIND_TRUST_LIST)
            return sbd_file_is_ctl(p) ? "ctl" : "itl";
        return p->kind == SBD_KIND_ENC_SGN ? "enc_sgn" : "sgn";
    }
    switch (f->name_kind) {
    case SBD_NAME_CTL_PER_PHONE:
    case SBD_NAME_CTL_FILE:
        return "ctl";
    case SBD_NAME_ITL_PER_PHONE:
    case SBD_NAME_ITL_FILE:
        return "itl";
    case SBD_NAME_CONFIG_SGN:
        return "sgn";
    case SBD_NAME_CONFIG_ENC:
        return "enc_sgn";
    case SBD_NAME_OTHER_SGN: {
        size_t n = strlen(f->name);
        return n >= 8 && strcasecmp(f->name + n - 8, ".enc.sgn") == 0 ? "enc_sgn" : "sgn";
    }
    default:
        return "other";
    }
}

void run_free(run *r)
{
    for (size_t i = 0; i < r->n_findings; i++)
        free(r->findings[i].more_packets);
    free(r->findings);
    free(r->moves);
    strpool_free(&r->text);
    for (size_t i = 0; i < r->n_inputs; i++)
        obs_input_free(&r->inputs[i]);
    free(r->inputs);
    store_free(&r->content);
    obs_certs_free(r->certs);
    sbd_key_cache_free(r->keys);
    memset(r, 0, sizeof *r);
}

static int cmp_file(const void *a, const void *b)
{
    const obs_file *x = *(const obs_file *const *)a, *y = *(const obs_file *const *)b;
    if (x->first_pkt != y->first_pkt)
        return x->first_pkt < y->first_pkt ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

const obs_file **run_sorted_files(const obs_input *in)
{
    const obs_file **a = malloc((in->n_files ? in->n_files : 1) * sizeof *a);
    if (!a)
        return NULL;
    for (size_t i = 0; i < in->n_files; i++)
        a[i] = obs_file_at(in, i);
    qsort(a, in->n_files, sizeof *a, cmp_file);
    return a;
}
