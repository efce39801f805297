#!/usr/bin/env python3
"""check_html.py REPORT.html [--fires RULE...] [--silent RULE...] [--timeline]

Structural checks of a pcapscan --html page (it is XHTML, so the standard XML parser reads it):
  - self-contained: no <script>, <link>, <img>, <iframe>, no src= attribute, every href is a
    #fragment of the page itself, and every such fragment names an existing id;
  - verdict first: the first <section> is id="verdict";
  - each finding card in the verdict has a rule, a meaning sentence and at least one evidence link;
  - every --fires rule has a card in the verdict, no --silent rule has one;
  - with --timeline: the phones section holds at least one SVG timeline with markers;
  - each phone's table lists every TLS session its timeline draws (time, server, verdict).
Prints one line per failure; exit 0 when all hold."""
import sys
import xml.etree.ElementTree as ET

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"
FORBIDDEN = ("script", "link", "img", "iframe", "object", "embed", "base")


def classes(el):
    return (el.get("class") or "").split()


def text_of(el):
    return "".join(el.itertext())


def phone_tables(sections):
    """Each phone card's table lists the TLS sessions its timeline draws (the markers linking to
    #t-...), one row each, with its time, server endpoint and verdict."""
    errors = []
    for sec in sections:
        if sec.get("id") != "phones":
            continue
        for card in sec.iter(XHTML + "div"):
            if "phone" not in classes(card):
                continue
            drawn = {a.get("href") for svg in card.iter(SVG + "svg") for a in svg.iter(SVG + "a")
                     if (a.get("href") or "").startswith("#t-")}
            rows = {}
            for tr in card.iter(XHTML + "tr"):
                if "tls" not in classes(tr):
                    continue
                tds = list(tr.iter(XHTML + "td"))
                links = [a.get("href") for a in tr.iter(XHTML + "a")
                         if (a.get("href") or "").startswith("#t-")]
                if len(tds) < 6 or not links:
                    errors.append("phone %s: TLS row without its cells or link" % card.get("id"))
                    continue
                when, server, verdict = text_of(tds[0]), text_of(tds[4]), text_of(tds[5])
                if not when.strip() or ":" not in server or not verdict.strip():
                    errors.append("phone %s: TLS row %s lacks time, server or verdict" %
                                  (card.get("id"), links[0]))
                rows[links[0]] = verdict
            # The timeline draws at most 60 rows; the table lists every session.
            missing = drawn - set(rows)
            if missing:
                errors.append("phone %s: the timeline draws TLS sessions the table does not list: %s"
                              % (card.get("id"), " ".join(sorted(missing))))
    return errors


def main(argv):
    path, fires, silent, want_timeline, mode = argv[1], [], [], False, None
    for a in argv[2:]:
        if a in ("--fires", "--silent"):
            mode = a
        elif a == "--timeline":
            want_timeline = True
        elif mode == "--fires":
            fires.append(a)
        elif mode == "--silent":
            silent.append(a)
    root = ET.parse(path).getroot()
    errors = []
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    for el in root.iter():
        local = el.tag.split("}")[-1]
        if local in FORBIDDEN:
            errors.append("forbidden element <%s>" % local)
        if el.get("src") is not None:
            errors.append("src attribute on <%s>" % local)
        href = el.get("href")
        if href is not None:
            if not href.startswith("#"):
                errors.append("external link %r" % href)
            elif href[1:] not in ids:
                errors.append("link %r: no element has that id" % href)
    sections = [el for el in root.iter(XHTML + "section")]
    if not sections or sections[0].get("id") != "verdict":
        errors.append("the first section is not the verdict")
    verdict = sections[0] if sections else ET.Element("none")
    rules = []
    for card in verdict.iter(XHTML + "div"):
        if "finding" not in classes(card):
            continue
        rule = [text_of(s) for s in card.iter(XHTML + "span") if "rule" in classes(s)]
        meaning = [text_of(p) for p in card.iter(XHTML + "p") if "meaning" in classes(p)]
        links = [a.get("href") for a in card.iter(XHTML + "a") if a.get("href")]
        if not rule or not meaning or not meaning[0].strip():
            errors.append("finding card %s without rule or meaning" % card.get("id"))
            continue
        if not links:
            errors.append("finding %s (%s) links to no evidence" % (card.get("id"), rule[0]))
        rules.append(rule[0])
    for r in fires:
        if r not in rules:
            errors.append("expected finding %s is not in the verdict (verdict has %s)" %
                          (r, " ".join(sorted(set(rules))) or "nothing"))
    for r in silent:
        if r in rules:
            errors.append("finding %s is in the verdict but must stay silent" % r)
    if want_timeline:
        phones = [s for s in sections if s.get("id") == "phones"]
        svgs = [s for p in phones for s in p.iter(SVG + "svg") if "timeline" in classes(s)]
        marks = [m for s in svgs for m in s.iter() if "mk" in classes(m)]
        if not svgs or not marks:
            errors.append("no per-phone timeline SVG with markers in the phones section")
    errors += phone_tables(sections)
    for e in errors:
        print("check_html: %s: %s" % (path, e))
    if not errors:
        print("check_html: %s: ok (%d findings in the verdict: %s)" %
              (path, len(rules), " ".join(sorted(set(rules)))))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
