/* The HTML report's drawings, as inline SVG (no script, no external resource): a phone's boot
 * timeline and certificate validity bars. Every string from a capture goes through esc_html. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "report/out_html.h"
#include "sbd/cert.h"

const char *html_mark_class(html_mark m)
{
    static const char *const names[] = {"ok", "warn", "fail", "neutral"};
    return m <= HTML_MARK_NEUTRAL ? names[m] : "neutral";
}

/* ---- label boxes ------------------------------------------------------------------------------
 *
 * A label's width is estimated from its characters and its font as the page's CSS
 * sets it (size x average glyph width: DejaVu Sans digits are 0.636 em, bold 0.696, the mono
 * face 0.602), its height from the baseline up 0.8 em and down 0.25 em. The layout keeps these
 * boxes apart and inside the drawing; tests/html/svg_overlap.py computes the same boxes from the
 * SVG and fails when two intersect. Both drawings use them. */
typedef struct lb_font {
    double px, em;
} lb_font;

static const lb_font FONT_NAME = {11.0, 0.62}, FONT_TICK = {10.5, 0.64}, FONT_MOMENT = {11.5, 0.70},
                     FONT_WHAT = {11.5, 0.70}, FONT_STATUS = {11.5, 0.64},
                     FONT_STATUS_BOLD = {11.5, 0.70}; /* svg .status.fail is bold */

typedef struct lb_box {
    double x0, y0, x1, y1;
} lb_box;

static double text_width(lb_font f, size_t chars)
{
    return (double)chars * f.px * f.em;
}

/* Characters as esc_html counts them (a byte that is no UTF-8 character is one U+FFFD). */
static size_t text_chars(const char *s)
{
    size_t n = 0;
    for (const uint8_t *p = (const uint8_t *)s; p && *p; n++) {
        size_t len = sbd_utf8_len(p, 4);
        p += len ? len : 1;
    }
    return n;
}

/* s, escaped, whole when it fits in room pixels, else cut with an ellipsis that fits too. */
static void esc_fit(FILE *out, const char *s, lb_font f, double room)
{
    double fit = room / (f.px * f.em);
    size_t n = fit >= 2 ? (size_t)fit : 2;
    esc_html_max(out, s, text_chars(s) <= n ? n : n - 1);
}

/* The box of a label of width w at (x, baseline y) anchored at its start or end. */
static lb_box label_box(lb_font f, double x, double y, double w, bool end)
{
    double x0 = end ? x - w : x;
    return (lb_box){x0, y - 0.8 * f.px, x0 + w, y + 0.25 * f.px};
}

static bool boxes_meet(const lb_box *a, const lb_box *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

/* ---- timeline ---------------------------------------------------------------------------------
 */

#define TL_WIDTH 960
#define TL_NAME_X 126  /* after the longest "what" ("config request": 113 px) */
#define TL_PLOT_X0 360 /* left of the plot: a 32-character name fits before it */
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
        if (x + text_width(FONT_TICK, strlen(label)) / 2 > TL_WIDTH)
            break;
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
    esc_fit(out, e->what, FONT_WHAT, TL_NAME_X - 8 - 4);
    fprintf(out, "</text><text class=\"name\" x=\"%d\" y=\"%d\">", TL_NAME_X, y + 4);
    esc_fit(out, e->name, FONT_NAME, TL_PLOT_X0 - 8 - TL_NAME_X);
    fputs("</text>\n", out);
    tl_marker(out, e, x, y);
    bool right = x < (TL_PLOT_X0 + TL_PLOT_X1) / 2.0;
    fprintf(out, "<text class=\"status %s\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">",
            html_mark_class(e->mark), right ? x + 12 : x - 12, y + 4, right ? "start" : "end");
    /* As many characters as fit before the edge (right) or the name column (left). */
    double room = right ? TL_WIDTH - (x + 12) : x - 12 - (TL_PLOT_X0 - 6);
    esc_fit(out, e->status, e->mark == HTML_MARK_FAIL ? FONT_STATUS_BOLD : FONT_STATUS, room);
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
    int64_t t0 = ev[0].ts_usec;
    int64_t t1 = t0;
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
#define VB_TOP 44
#define VB_MOMENT_Y 14   /* baseline of the first row of "capture" / "today" labels */
#define VB_MOMENT_ROW 15 /* between rows: 1.05 em of 11.5 px and a gap */

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

static void vb_tick(FILE *out, double x, int y_top, int y_axis, const char *label, size_t len)
{
    fprintf(out,
            "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
            "<text class=\"tick\" x=\"%.1f\" y=\"%d\">%.*s</text>\n",
            x, y_top, x, y_axis + 4, x, y_axis + 17, (int)len, label);
}

/* Does a centred tick label at x stay inside the drawing? */
static bool tick_fits(double x, size_t chars)
{
    double half = text_width(FONT_TICK, chars) / 2;
    return x - half >= 0 && x + half <= VB_WIDTH;
}

/* Year ticks when the axis spans years, else date ticks: the step is the shortest whose labels
 * (plus a gap) fit between two ticks, so tick labels never meet whatever the dates are (a
 * one-year span with monthly dates drew 74 px labels 50 px apart). */
static void vb_ticks(FILE *out, const vb_scale *s, int y_top, int y_axis)
{
    static const int64_t day_steps[] = {1, 2, 7, 14, 30, 61, 91, 182};
    static const int year_steps[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
    const double gap = 8, px_per_day = (VB_X1 - VB_X0) * 86400.0 / (double)(s->t1 - s->t0);
    int64_t span = s->t1 - s->t0, day = 86400;
    if (span <= 2 * 365 * 86400LL) {
        for (size_t i = 0; i < sizeof day_steps / sizeof day_steps[0]; i++) {
            if ((double)day_steps[i] * px_per_day < text_width(FONT_TICK, 10) + gap)
                continue;
            for (int64_t t = s->t0 - s->t0 % day + day; t < s->t1; t += day_steps[i] * day) {
                char iso[32];
                double x = vb_x(s, t);
                if (tick_fits(x, 10))
                    vb_tick(out, x, y_top, y_axis, sbd_time_iso(t, iso, sizeof iso), 10);
            }
            return;
        }
    }
    for (size_t i = 0; i < sizeof year_steps / sizeof year_steps[0]; i++) {
        if (year_steps[i] * 365.0 * px_per_day < text_width(FONT_TICK, 5) + gap)
            continue;
        int step = year_steps[i], y0 = year_of(s->t0), y1 = year_of(s->t1);
        for (int y = (y0 / step + 1) * step; y <= y1; y += step) {
            char label[16];
            int n = snprintf(label, sizeof label, "%d", y);
            double x = vb_x(s, jan1(y));
            if (jan1(y) < s->t1 && tick_fits(x, (size_t)n))
                vb_tick(out, x, y_top, y_axis, label, (size_t)n);
        }
        return;
    }
}

/* A moment ("capture", "today") with its label: on the side with room, else on the other side,
 * else one row lower, so that it meets no label placed before (placed[0..*n)). */
static void vb_moment(FILE *out, const vb_scale *s, int64_t t, const char *cls, int y_axis,
                      lb_box *placed, size_t *n)
{
    char iso[32], text[48];
    double x = vb_x(s, t);
    int len = snprintf(text, sizeof text, "%s %.10s", cls, sbd_time_iso(t, iso, sizeof iso));
    double w = text_width(FONT_MOMENT, len > 0 ? (size_t)len : 0);
    bool prefer_end = x > VB_WIDTH / 2.0;
    lb_box b = {0, 0, 0, 0};
    int y = VB_MOMENT_Y;
    bool end = prefer_end;
    for (int row = 0; row < 3; row++) {
        y = VB_MOMENT_Y + row * VB_MOMENT_ROW;
        bool ok = false;
        for (int side = 0; side < 2 && !ok; side++) {
            end = side ? !prefer_end : prefer_end;
            b = label_box(FONT_MOMENT, end ? x - 4 : x + 4, y, w, end);
            ok = b.x0 >= 0 && b.x1 <= VB_WIDTH;
            for (size_t k = 0; ok && k < *n; k++)
                ok = !boxes_meet(&b, &placed[k]);
        }
        if (ok)
            break;
    }
    placed[(*n)++] = b;
    fprintf(out,
            "<line class=\"moment %s\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
            "<text class=\"momentlabel %s\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>\n",
            cls, x, y - 8, x, y_axis, cls, end ? x - 4 : x + 4, y, end ? "end" : "start", text);
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
    esc_fit(out, v->label, FONT_NAME, VB_X0 - 8 - 8);
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
    lb_box placed[2];
    size_t np = 0;
    vb_moment(out, &s, capture, "capture", y_axis, placed, &np);
    vb_moment(out, &s, today, "today", y_axis, placed, &np);
    fputs("</svg>\n", out);
}
