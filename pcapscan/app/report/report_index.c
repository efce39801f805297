/* Per-input views the reports share (see report.h), each built in O(n log n) once per report:
 * a scan of every finding per input, or of every file per phone, made the reports quadratic in
 * what a capture or a results file can make numerous (40,000 phones: 16 s of text report). */
#include <stdlib.h>
#include <string.h>

#include "lib/kmap.h"
#include "report/report.h"

static int cmp_finding_ptr(const void *a, const void *b)
{
    const finding *x = *(const finding *const *)a, *y = *(const finding *const *)b;
    if (x->ts_usec != y->ts_usec)
        return x->ts_usec < y->ts_usec ? -1 : 1;
    return x < y ? -1 : x > y; /* creation order: both are in the run's findings */
}

/* Sorts one input's group of finding indexes by time, then creation (as run_findings_of). */
static int sort_group(const run *r, size_t *idx, size_t n)
{
    const finding **tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return -1;
    for (size_t i = 0; i < n; i++)
        tmp[i] = &r->findings[idx[i]];
    qsort(tmp, n, sizeof *tmp, cmp_finding_ptr);
    for (size_t i = 0; i < n; i++)
        idx[i] = (size_t)(tmp[i] - r->findings);
    free(tmp);
    return 0;
}

int report_index_build(const run *r, report_index *x)
{
    memset(x, 0, sizeof *x);
    size_t ni = r->n_inputs, nf = r->n_findings;
    x->start = calloc(ni + 2, sizeof *x->start);
    x->order = malloc((nf ? nf : 1) * sizeof *x->order);
    x->sev = calloc(ni ? ni : 1, sizeof *x->sev);
    if (!x->start || !x->order || !x->sev) {
        report_index_free(x);
        return -1;
    }
    for (size_t i = 0; i < nf; i++) {
        size_t in = r->findings[i].input < ni ? r->findings[i].input : ni;
        x->start[in + 1]++;
        if (in < ni)
            x->sev[in][sbd_rule_severity(r->findings[i].rule)]++;
    }
    for (size_t i = 0; i <= ni; i++)
        x->start[i + 1] += x->start[i];
    size_t *fill = calloc(ni + 1, sizeof *fill);
    if (!fill) {
        report_index_free(x);
        return -1;
    }
    for (size_t i = 0; i < nf; i++) {
        size_t in = r->findings[i].input < ni ? r->findings[i].input : ni;
        x->order[x->start[in] + fill[in]++] = i;
    }
    free(fill);
    for (size_t i = 0; i < ni; i++)
        if (sort_group(r, x->order + x->start[i], x->start[i + 1] - x->start[i]) != 0) {
            report_index_free(x);
            return -1;
        }
    return 0;
}

size_t report_index_findings(const report_index *x, size_t input, const size_t **idx)
{
    *idx = x->order + x->start[input];
    return x->start[input + 1] - x->start[input];
}

void report_index_free(report_index *x)
{
    free(x->order);
    free(x->start);
    free(x->sev);
    memset(x, 0, sizeof *x);
}

const obs_file **report_files_by_phone(const obs_input *in)
{
    const obs_file **files = run_sorted_files(in);
    size_t n = in->n_files;
    size_t *rank = malloc((n ? n : 1) * sizeof *rank);
    size_t *count = calloc(n + 1, sizeof *count);
    const obs_file **out = malloc((n ? n : 1) * sizeof *out);
    kmap phones;
    kmap_init(&phones);
    bool ok = files && rank && count && out;
    size_t np = 0;
    for (size_t i = 0; ok && i < n; i++) {
        bool added;
        rank[i] = kmap_put_str(&phones, files[i]->phone, np, &added);
        ok = rank[i] != SIZE_MAX;
        np += added;
    }
    for (size_t i = 0; ok && i < n; i++)
        count[rank[i] + 1]++;
    for (size_t p = 0; ok && p < np; p++)
        count[p + 1] += count[p];
    for (size_t i = 0; ok && i < n; i++)
        out[count[rank[i]]++] = files[i]; /* stable: each phone's files keep packet order */
    kmap_free(&phones);
    free(rank);
    free(count);
    free(files);
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}
