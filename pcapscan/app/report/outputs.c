/* Every output a run asked for, in one place for the scan, merge and live: the same switches
 * give the same files and the same exit code whichever command made the run. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "report/report.h"
#include "scan/extract.h"

int report_outputs(const run *r)
{
    const scan_opts *o = r->o;
    int rc = 0;
    bool csv_out = o->csv_path && strcmp(o->csv_path, "-") == 0;
    bool html_out = o->html_path && strcmp(o->html_path, "-") == 0;
    if (o->json)
        rc = report_json(r, stdout) != 0 ? 2 : 0;
    else if (!csv_out && !html_out) /* --csv - or --html -: stdout is theirs (opts.c) */
        report_text(r, stdout);
    fflush(stdout);
    if (o->csv_path && report_csv(r, o->csv_path) != 0)
        rc = 2;
    if (o->html_path && report_html(r, o->html_path) != 0)
        rc = 2;
    if (o->extractor && report_extract_finish(r, o->extractor) != 0)
        rc = 2;
    extract_close(o->extractor);
    report_totals t;
    report_totals_of(r, SIZE_MAX, &t);
    if (t.inputs_failed || rc == 2 || r->no_capture_dir)
        rc = 2;
    else if (r->by_severity[SBD_SEV_ERROR])
        rc = 1;
    return rc;
}
