/* The HTML report's drawings, as inline SVG (no script, no external resource): a phone's boot
 * timeline and certificate validity bars. Every string from a capture goes through esc_html. */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "report/out_html.h"
#include "sbd/cert.h"

const char *html_mark_class(html_mark m)
{
    static const char *const names[] = {"ok", "warn", "fail", "neutral"};
    return m <= HTML_MARK_NEUTRAL ? names[m] : "neutral";
}

/* ---- timeline ---------------------------------------------------------------------------------
 */

#define TL_WIDTH 960
#define TL_PLOT_X0 330 /* left of the plot: the row labels sit before it */
#define TL_PLOT_X1 930
#define TL_ROW 26
#define TL_TOP 12
#define TL_MAX_ROWS 60

/* A round tick step (1, 2 or 5 times a power of ten microseconds) giving about six ticks. */
static int64_t nice_step(int64_t span)
{
    int64_t raw = span / 6 > 0 ? span / 6 : 1, mag = 1;
    while (mag * 10 <= raw)
        mag *= 10;
    return raw <= mag ? mag : raw <= 2 * mag ? 2 * mag : raw <= 5 * mag ? 5 * mag : 10 * mag;
}

static void tick_label(int64_t usec, int64_t step, char *out, size_t outsz)
{
    if (step < 1000)
        snprintf(out, outsz, "+%.3f ms", (double)usec / 1000.0);
    else if (step < 1000000)
        snprintf(out, outsz, "+%lld ms", (long long)(usec / 1000));
    else if (step < 60000000)
        snprintf(out, outsz, "+%lld s", (long long)(usec / 1000000));
    else
        snprintf(out, outsz, "+%lld min", (long long)(usec / 60000000));
}

static double tl_x(int64_t t, int64_t t0, int64_t span)
{
    return TL_PLOT_X0 + (double)(t - t0) * (TL_PLOT_X1 - TL_PLOT_X0) / (double)span;
}

static void tl_axis(FILE *out, int64_t t0, int64_t span, int y)
{
    char clock[40], label[48];
    int64_t step = nice_step(span);
    fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", TL_PLOT_X0, y,
            TL_PLOT_X1, y);
    for (int64_t v = 0; v <= span; v += step) {
        double x = tl_x(t0 + v, t0, span);
        tick_label(v, step, label, sizeof label);
        fprintf(out,
                "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                "<text class=\"tick\" x=\"%.1f\" y=\"%d\">%s</text>\n",
                x, TL_TOP - 4, x, y + 4, x, y + 17, label);
    }
    sbd_time_iso(t0 / 1000000, clock, sizeof clock);
    fprintf(out,
            "<text class=\"axislabel\" x=\"%d\" y=\"%d\">time after %.10s %.8s.%03d UTC</text>\n",
            (TL_PLOT_X0 + TL_PLOT_X1) / 2, y + 34, clock, clock + 11, (int)((t0 % 1000000) / 1000));
}

static void tl_marker(FILE *out, const html_event *e, double x, int y)
{
    const char *cls = html_mark_class(e->mark);
    if (e->anchor[0])
        fprintf(out, "<a href=\"#%s\">", e->anchor);
    if (e->mark == HTML_MARK_FAIL)
        fprintf(out,
                "<path class=\"mk %s\" d=\"M%.1f %d l10 10 M%.1f %d l-10 10\"/>"
                "<circle class=\"hit\" cx=\"%.1f\" cy=\"%d\" r=\"8\"/>",
                cls, x - 5, y - 5, x + 5, y - 5, x, y);
    else if (e->mark == HTML_MARK_WARN)
        fprintf(out, "<path class=\"mk %s\" d=\"M%.1f %d l7 7 l-7 7 l-7 -7 z\"/>", cls, x, y - 7);
    else
        fprintf(out, "<circle class=\"mk %s\" cx=\"%.1f\" cy=\"%d\" r=\"6\"/>", cls, x, y);
    fputs("<title>", out);
    esc_html(out, e->what);
    fputs(": ", out);
    esc_html(out, e->name);
    fputs(" - ", out);
    esc_html(out, e->status);
    fputs("</title>", out);
    if (e->anchor[0])
        fputs("</a>", out);
}

static void tl_row(FILE *out, const html_event *e, size_t row, int64_t t0, int64_t span)
{
    int y = TL_TOP + (int)row * TL_ROW + TL_ROW / 2;
    double x = tl_x(e->ts_usec, t0, span);
    if (row % 2 == 0)
        fprintf(out, "<rect class=\"band\" x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n",
                y - TL_ROW / 2, TL_PLOT_X1 + 20, TL_ROW);
    fprintf(out, "<text class=\"what\" x=\"8\" y=\"%d\">", y + 4);
    esc_html(out, e->what);
    fprintf(out, "</text><text class=\"name\" x=\"112\" y=\"%d\">", y + 4);
    esc_html_max(out, e->name, 32);
    fputs("</text>\n", out);
    tl_marker(out, e, x, y);
    bool right = x < (TL_PLOT_X0 + TL_PLOT_X1) / 2.0;
    fprintf(out, "<text class=\"status %s\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">",
            html_mark_class(e->mark), right ? x + 12 : x - 12, y + 4, right ? "start" : "end");
    /* As many characters as fit before the edge (right) or the name column (left). */
    double room = right ? TL_WIDTH - x - 16 : x - 12 - (TL_PLOT_X0 - 4);
    esc_html_max(out, e->status, room > 80 ? (size_t)(room / 6.6) : 12);
    fputs("</text>\n", out);
}

static size_t drawn_rows(size_t n)
{
    return n > TL_MAX_ROWS ? TL_MAX_ROWS : n;
}

void html_svg_timeline(FILE *out, const html_event *ev, size_t n)
{
    size_t rows = drawn_rows(n);
    if (rows == 0)
        return;
    int64_t t0 = ev[0].ts_usec, t1 = ev[0].ts_usec;
    for (size_t i = 1; i < rows; i++) {
        t0 = ev[i].ts_usec < t0 ? ev[i].ts_usec : t0;
        t1 = ev[i].ts_usec > t1 ? ev[i].ts_usec : t1;
    }
    int64_t span = t1 - t0 < 1000 ? 1000 : t1 - t0;
    span += span / 20; /* room after the last marker */
    int axis_y = TL_TOP + (int)rows * TL_ROW + 4;
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" role=\"img\" "
            "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">\n",
            TL_WIDTH, axis_y + 44, TL_WIDTH, axis_y + 44);
    fputs("<title>Boot sequence timeline</title>\n", out);
    tl_axis(out, t0, span, axis_y);
    for (size_t i = 0; i < rows; i++)
        tl_row(out, &ev[i], i, t0, span);
    fputs("</svg>\n", out);
    if (n > rows)
        fprintf(out, "<p class=\"note\">%zu more events are not drawn (see the table).</p>\n",
                n - rows);
}

/* ---- validity bars ------------------------------------------------------------------------------
 */

#define VB_WIDTH 960
#define VB_X0 300
#define VB_X1 930
#define VB_ROW 22
#define VB_TOP 40

typedef struct vb_scale {
    int64_t t0, t1;
} vb_scale;

static double vb_x(const vb_scale *s, int64_t t)
{
    if (t < s->t0)
        t = s->t0;
    if (t > s->t1)
        t = s->t1;
    return VB_X0 + (double)(t - s->t0) * (VB_X1 - VB_X0) / (double)(s->t1 - s->t0);
}

static int year_of(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    return gmtime_r(&tt, &tm) ? tm.tm_year + 1900 : 1970;
}

static int64_t jan1(int year)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mday = 1;
    return (int64_t)timegm(&tm);
}

/* Year ticks when the axis spans years, else a tick every 1, 7 or 30 days. */
static void vb_ticks(FILE *out, const vb_scale *s, int y_top, int y_axis)
{
    int64_t span = s->t1 - s->t0;
    if (span > 2 * 365 * 86400LL) {
        int y0 = year_of(s->t0), y1 = year_of(s->t1);
        int step = (y1 - y0) / 8 + 1;
        for (int y = y0 + 1; y <= y1; y += step) {
            double x = vb_x(s, jan1(y));
            fprintf(out,
                    "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                    "<text class=\"tick\" x=\"%.1f\" y=\"%d\">%d</text>\n",
                    x, y_top, x, y_axis + 4, x, y_axis + 17, y);
        }
        return;
    }
    int64_t day = 86400, step = span > 120 * day ? 30 * day : span > 20 * day ? 7 * day : day;
    for (int64_t t = s->t0 - s->t0 % day + day; t < s->t1; t += step) {
        char iso[32];
        double x = vb_x(s, t);
        sbd_time_iso(t, iso, sizeof iso);
        fprintf(out,
                "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                "<text class=\"tick\" x=\"%.1f\" y=\"%d\">%.10s</text>\n",
                x, y_top, x, y_axis + 4, x, y_axis + 17, iso);
    }
}

static void vb_moment(FILE *out, const vb_scale *s, int64_t t, const char *cls, const char *label,
                      int y_axis, int dy)
{
    char iso[32];
    double x = vb_x(s, t);
    bool left = x > VB_WIDTH / 2.0; /* label on the side with room */
    sbd_time_iso(t, iso, sizeof iso);
    fprintf(
        out,
        "<line class=\"moment %s\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
        "<text class=\"momentlabel %s\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s %.10s</text>\n",
        cls, x, 6 + dy, x, y_axis, cls, left ? x - 4 : x + 4, 14 + dy, left ? "end" : "start",
        label, iso);
}

static html_mark vb_state(const html_validity *v, int64_t capture, int warn_days)
{
    if (v->not_after < capture || v->not_before > capture)
        return HTML_MARK_FAIL;
    return v->not_after - capture < (int64_t)warn_days * 86400 ? HTML_MARK_WARN : HTML_MARK_OK;
}

static void vb_row(FILE *out, const vb_scale *s, const html_validity *v, size_t row,
                   int64_t capture, int warn_days)
{
    char nb[32], na[32];
    int y = VB_TOP + (int)row * VB_ROW;
    html_mark m = vb_state(v, capture, warn_days);
    double x0 = vb_x(s, v->not_before), x1 = vb_x(s, v->not_after);
    fprintf(out, "<text class=\"name\" x=\"8\" y=\"%d\">", y + 14);
    esc_html_max(out, v->label, 40);
    fprintf(out, "</text><rect class=\"bar %s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"12\">",
            html_mark_class(m), x0, y + 4, x1 - x0 > 2 ? x1 - x0 : 2);
    fputs("<title>", out);
    esc_html(out, v->label);
    fprintf(out, ": %s to %s</title></rect>\n", sbd_time_iso(v->not_before, nb, sizeof nb),
            sbd_time_iso(v->not_after, na, sizeof na));
}

void html_svg_validity(FILE *out, const html_validity *v, size_t n, int64_t capture, int64_t today,
                       int warn_days)
{
    if (!n)
        return;
    vb_scale s = {capture < today ? capture : today, capture > today ? capture : today};
    for (size_t i = 0; i < n; i++) {
        s.t0 = v[i].not_before < s.t0 ? v[i].not_before : s.t0;
        s.t1 = v[i].not_after > s.t1 ? v[i].not_after : s.t1;
    }
    int64_t pad = (s.t1 - s.t0) / 25 + 86400;
    s.t0 -= pad;
    s.t1 += pad;
    int y_axis = VB_TOP + (int)n * VB_ROW + 4, h = y_axis + 26;
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"validity\" role=\"img\" "
            "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">\n"
            "<title>Certificate validity</title>\n",
            VB_WIDTH, h, VB_WIDTH, h);
    fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", VB_X0, y_axis,
            VB_X1, y_axis);
    vb_ticks(out, &s, VB_TOP, y_axis);
    for (size_t i = 0; i < n; i++)
        vb_row(out, &s, &v[i], i, capture, warn_days);
    /* Labels one above the other when the two moments are close on the axis. */
    bool close =
        vb_x(&s, today) - vb_x(&s, capture) < 150 && vb_x(&s, capture) - vb_x(&s, today) < 150;
    vb_moment(out, &s, capture, "capture", "capture", y_axis, 0);
    vb_moment(out, &s, today, "today", "today", y_axis, close ? 12 : 0);
    fputs("</svg>\n", out);
}
