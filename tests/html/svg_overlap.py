#!/usr/bin/env python3
"""svg_overlap.py [--expect-overlap] [--min-rows N] [--timeline] FILE...

The "screenshot test" of the validity charts (and with --timeline the phones' timelines too),
done on the drawing itself: every <text> of every <svg class="validity"> in FILE (an HTML report, or a bare SVG) gets the box a browser would give
it, estimated the way pcapscan lays labels out (pcapscan/app/report/out_html_svg.c, "label
boxes"): width = characters x font size x the font's average glyph width, height from the
baseline up 0.8 em and down 0.25 em; x from text-anchor. Font size and face come from the class,
as the page's CSS sets them (out_html.c, page_css), and so is the anchor when the element has
no text-anchor attribute. Two boxes that intersect are an overlap.

A label must also stay inside the drawing (0 <= x, x + width <= the viewBox width).
Exit 0 when no chart has an overlap (with --expect-overlap: when some chart has one, which
proves the check can fail); --min-rows N asks for a chart with at least N certificate rows."""
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
# class -> (font size px, average glyph width in em). DejaVu Sans digits are 0.636 em, capitals
# up to 0.77; bold digits 0.696; DejaVu Sans Mono 0.602 for every glyph.
FONTS = {
    "name": (11.0, 0.62),
    "tick": (10.5, 0.64),
    "momentlabel": (11.5, 0.70),
    "axislabel": (11.5, 0.64),
    "what": (11.5, 0.70),
    "status": (11.5, 0.64),
}
BOLD = ("fail",)  # svg .status.fail is bold
CENTRED = {"tick", "axislabel"}  # text-anchor: middle in the CSS
DEFAULT_FONT = (11.5, 0.64)
ASCENT, DESCENT = 0.8, 0.25


def font_of(el):
    cls = (el.get("class") or "").split()
    for c in cls:
        if c in FONTS:
            size, em = FONTS[c]
            return (size, 0.70) if c == "status" and any(b in cls for b in BOLD) else (size, em)
    return DEFAULT_FONT


def box(el):
    text = "".join(el.itertext())
    size, em = font_of(el)
    w = len(text) * size * em
    x, y = float(el.get("x", "0")), float(el.get("y", "0"))
    cls = (el.get("class") or "").split()
    anchor = el.get("text-anchor") or ("middle" if set(cls) & CENTRED else "start")
    x0 = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
    return (x0, y - ASCENT * size, x0 + w, y + DESCENT * size, text)


def intersect(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def check_chart(svg, where):
    problems = []
    width = float((svg.get("viewBox") or "0 0 1e9 0").split()[2])
    boxes = [box(t) for t in svg.iter(SVG + "text")]
    for i, a in enumerate(boxes):
        if a[0] < 0 or a[2] > width:
            problems.append("%s: label %r runs out of the drawing (x %.1f-%.1f of %g)" %
                            (where, a[4], a[0], a[2], width))
        for b in boxes[i + 1:]:
            if intersect(a, b):
                problems.append("%s: labels %r and %r overlap" % (where, a[4], b[4]))
    rows = sum(1 for r in svg.iter(SVG + "rect") if "bar" in (r.get("class") or "").split())
    return problems, rows


def main(argv):
    expect, min_rows, files, kinds = False, 0, [], ["validity"]
    args = iter(argv[1:])
    for a in args:
        if a == "--expect-overlap":
            expect = True
        elif a == "--timeline":
            kinds.append("timeline")
        elif a == "--min-rows":
            min_rows = int(next(args))
        else:
            files.append(a)
    problems, charts, most_rows = [], 0, 0
    for path in files:
        root = ET.parse(path).getroot()
        svgs = [root] if root.tag == SVG + "svg" else list(root.iter(SVG + "svg"))
        for k, svg in enumerate(svgs):
            kind = [c for c in (svg.get("class") or "").split() if c in kinds]
            if not kind:
                continue
            charts += 1
            p, rows = check_chart(svg, "%s %s chart %d" % (path, kind[0], k))
            problems += p
            most_rows = max(most_rows, rows)
    if charts == 0:
        print("svg_overlap: no %s chart in %s" % (" or ".join(kinds), " ".join(files)))
        return 1
    if most_rows < min_rows:
        print("svg_overlap: the largest chart has %d rows, %d wanted" % (most_rows, min_rows))
        return 1
    for p in problems[:20]:
        print("svg_overlap: " + p)
    if len(problems) > 20:
        print("svg_overlap: ... %d more" % (len(problems) - 20))
    if expect:
        print("svg_overlap: %d overlap(s) found, as expected" % len(problems) if problems else
              "svg_overlap: no overlap found, but one was expected: the check cannot fail")
        return 0 if problems else 1
    print("svg_overlap: %d chart(s), up to %d rows, %s" %
          (charts, most_rows, "%d problem(s)" % len(problems) if problems else "no overlap"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
