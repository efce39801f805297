/* Observation records (see observe.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/certs.h"
#include "model/observe.h"

const char *obs_xfer_name(obs_xfer x)
{
    static const char *const names[] = {
#define OBS_XFER_NAME(name, text) text,
        OBS_XFER_MAP(OBS_XFER_NAME)
#undef OBS_XFER_NAME
    };
    return (size_t)x < sizeof names / sizeof names[0] ? names[x] : "?";
}

void obs_input_init(obs_input *in, size_t index, const char *path)
{
    memset(in, 0, sizeof *in);
    in->index = index;
    in->listed = index;
    in->path = strdup(path);
    store_init(&in->content);
}

static void free_file(obs_file *f)
{
    free(f->name);
    free(f->error_msg);
    free(f->missing);
    free(f->extracted);
    free(f->sig_detail);
    free(f->parse_error);
}

static void free_tls(obs_tls *t)
{
    for (size_t i = 0; !t->certs_shared && i < t->n_certs; i++) {
        free(t->certs[i].der);
        free(t->certs[i].error);
    }
    if (!t->certs_shared)
        free(t->certs);
    free(t->sni);
    free(t->error);
}

void obs_input_free(obs_input *in)
{
    for (size_t i = 0; i < in->n_files; i++)
        free_file(&in->files[i]);
    for (size_t i = 0; i < in->n_tls; i++)
        free_tls(&in->tls[i]);
    free(in->files);
    free(in->tls);
    free(in->path);
    free(in->open_error);
    free(in->end_msg);
    store_free(&in->content);
    if (in->owns_certs)
        obs_certs_free(in->certs);
    memset(in, 0, sizeof *in);
}

void *obs_grow_one(void **arr, size_t *n, size_t *cap, size_t elsz)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        void *na = realloc(*arr, ncap * elsz);
        if (!na)
            return NULL;
        *arr = na;
        *cap = ncap;
    }
    void *el = (char *)*arr + (*n)++ * elsz;
    memset(el, 0, elsz);
    return el;
}

obs_file *obs_add_file(obs_input *in)
{
    obs_file *f = obs_grow_one((void **)&in->files, &in->n_files, &in->cap_files, sizeof *f);
    if (f) {
        f->input = in->index;
        f->seq = in->next_seq++;
        f->error_code = -1;
        f->phone = "";
    }
    return f;
}

obs_tls *obs_add_tls(obs_input *in)
{
    obs_tls *t = obs_grow_one((void **)&in->tls, &in->n_tls, &in->cap_tls, sizeof *t);
    if (t) {
        t->input = in->index;
        t->seq = in->next_seq++;
    }
    return t;
}
