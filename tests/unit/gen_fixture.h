/* Test fixture for tests that need signed files: a throwaway PKI from tests/tools/mkpki.sh and
 * files built by tests/tools/sbdgen, in a private temp dir. Paths come from SBD_SOURCE_DIR and
 * SBD_BUILD_DIR, which ctest sets. SBD_TEST_PKI, when set, names a PKI that mkpki.sh already made
 * (ctest's tools.mkpki fixture): it is copied instead of generating RSA keys again, so a test may
 * still write next to its certificates. Header-only: each test is its own executable. */
#ifndef SBD_TEST_GEN_FIXTURE_H
#define SBD_TEST_GEN_FIXTURE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbd/file.h"

typedef struct fixture {
    char src[1024], work[1024], pki[1100], sbdgen[1100];
} fixture;

static fixture fx;

static bool fx_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool fx_run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return false;
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc == 0;
}

/* Makes the temp dir and the PKI; false (with a message) when the environment is missing. */
static bool fx_setup(const char *name)
{
    const char *src = getenv("SBD_SOURCE_DIR"), *bld = getenv("SBD_BUILD_DIR");
    const char *tmp = getenv("TMPDIR");
    if (!src || !bld) {
        fprintf(stderr, "SBD_SOURCE_DIR / SBD_BUILD_DIR not set: run through ctest\n");
        return false;
    }
    snprintf(fx.src, sizeof fx.src, "%s", src);
    snprintf(fx.work, sizeof fx.work, "%s/sbd-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    if (!mkdtemp(fx.work)) {
        perror("mkdtemp");
        return false;
    }
    snprintf(fx.pki, sizeof fx.pki, "%s/pki", fx.work);
    snprintf(fx.sbdgen, sizeof fx.sbdgen, "%s/tests/tools/sbdgen", bld);
    if (access(fx.sbdgen, X_OK) != 0) {
        fprintf(stderr, "%s missing: build the sbdgen target first\n", fx.sbdgen);
        return false;
    }
    const char *shared = getenv("SBD_TEST_PKI");
    if (shared && *shared)
        return fx_run("cp -R '%s' '%s'", shared, fx.pki);
    return fx_run("sh '%s/tests/tools/mkpki.sh' '%s'", fx.src, fx.pki);
}

static void fx_teardown(void)
{
    if (fx.work[0] && !getenv("SBD_KEEP_TMP"))
        fx_run("rm -rf '%s'", fx.work);
}

/* sbdgen MODE ARGS -o WORK/out, run inside the PKI dir so ARGS can name "callmanager.pem". */
static bool fx_gen(const char *out, const char *args)
{
    return fx_run("cd '%s' && '%s' %s -o '%s/%s'", fx.pki, fx.sbdgen, args, fx.work, out);
}

/* A file read into memory and parsed; buf is an exact-size allocation (ASan sees over-reads). */
typedef struct loaded {
    uint8_t *buf;
    size_t len;
    sbd_file f;
    bool ok;
} loaded;

static bool fx_read(const char *path, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "cannot open %s\n", path);
        return false;
    }
    bool ok = fseek(fp, 0, SEEK_END) == 0;
    long n = ok ? ftell(fp) : -1;
    ok = n >= 0 && fseek(fp, 0, SEEK_SET) == 0;
    if (ok) {
        *buf = malloc(n > 0 ? (size_t)n : 1);
        ok = *buf && fread(*buf, 1, (size_t)n, fp) == (size_t)n;
        *len = (size_t)n;
    }
    fclose(fp);
    return ok;
}

static bool fx_load_path(const char *path, loaded *l)
{
    memset(l, 0, sizeof *l);
    if (!fx_read(path, &l->buf, &l->len))
        return false;
    sbd_error err = {0};
    l->ok = sbd_file_parse(l->buf, l->len, SBD_KIND_AUTO, &l->f, &err) == SBD_OK;
    if (!l->ok)
        fprintf(stderr, "%s: parse failed at %zu: %s\n", path, err.offset, err.msg);
    return l->ok;
}

/* Loads WORK/name. */
static bool fx_load(const char *name, loaded *l)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", fx.work, name);
    return fx_load_path(path, l);
}

static void fx_unload(loaded *l)
{
    if (l->ok)
        sbd_file_free(&l->f);
    free(l->buf);
    memset(l, 0, sizeof *l);
}

#endif
