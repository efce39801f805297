#!/usr/bin/env python3
"""grouped_check.py REPORT.html RESULTS.jsonl [--grouped RULE...] [--single RULE...]
                    [--phones N --cards K [--warned-rows W] --max-per-phone BYTES]

What the HTML page says about many findings and many phones, against the JSON of the same run:
  - the verdict line counts errors and warnings as the JSON findings do;
  - --grouped: the rule has one card (id rule-RULE) whose count is the JSON's findings of that
    rule and whose spread names as many phones as those findings do; it lists min(count, 50)
    instances, says how many it did not list, is collapsed for a warning and open for an error,
    and each instance links into the phones section (its phone) besides the verdict;
  - --single: the rule has one card per JSON finding, none grouped;
  - --phones/--cards/--warned-rows: the phones section holds N phones, K of them as full cards,
    W as rows naming their rule (the phones some warning or error of the JSON names are those
    K + W), the others as table rows; every row has its held ITL, TVS verdict, last boot and
    collapsed events; --max-per-phone bounds the section's bytes per phone.
Prints one line per failure; exit 0 when all hold."""
import collections
import json
import re
import sys
import xml.etree.ElementTree as ET

X = "{http://www.w3.org/1999/xhtml}"


def classes(el):
    return (el.get("class") or "").split()


def text(el):
    return " ".join("".join(el.itertext()).split())


def args(argv):
    opts = {"--grouped": [], "--single": []}
    key = None
    for a in argv[3:]:
        if a.startswith("--"):
            key = a
            opts.setdefault(key, [])
        else:
            opts[key].append(a)
    return opts


def main(argv):
    html, jsonl, opts = argv[1], argv[2], args(argv)
    errors = []
    count, phones, sev = collections.Counter(), collections.defaultdict(set), collections.Counter()
    flagged = set()
    for line in open(jsonl):
        o = json.loads(line)
        if o.get("type") != "finding":
            continue
        count[o["rule"]] += 1
        sev[o["severity"]] += 1
        if o.get("phone"):
            phones[o["rule"]].add(o["phone"])
            if o["severity"] in ("warning", "error"):
                flagged.add(o["phone"])
    raw = open(html, encoding="utf-8").read()
    root = ET.fromstring(raw)
    sections = {s.get("id"): s for s in root.iter(X + "section")}
    verdict, phone_sec = sections["verdict"], sections.get("phones")
    phone_ids = {el.get("id") for el in phone_sec.iter() if el.get("id")} if phone_sec is not None else set()

    counts_line = text(next(d for d in root.iter(X + "div") if "counts" in classes(d)))
    for s in ("error", "warning"):
        m = re.search(r"(\d+) %ss?" % s, counts_line)
        if not m or int(m.group(1)) != sev[s]:
            errors.append("verdict line %r: want %d %s(s)" % (counts_line, sev[s], s))

    cards = collections.defaultdict(list)
    for d in verdict.iter(X + "div"):
        if "finding" in classes(d):
            rule = text(next(s for s in d.iter(X + "span") if "rule" in classes(s)))
            cards[rule].append(d)

    for rule in opts["--grouped"]:
        n = count[rule]
        if n <= 10:
            errors.append("%s: the run has %d findings, too few to test grouping" % (rule, n))
            continue
        if len(cards[rule]) != 1:
            errors.append("%s: %d cards for %d findings, want one" % (rule, len(cards[rule]), n))
            continue
        c = cards[rule][0]
        if c.get("id") != "rule-" + rule or "grouped" not in classes(c):
            errors.append("%s: card id %r class %r" % (rule, c.get("id"), c.get("class")))
        cnt = text(next(s for s in c.iter(X + "span") if "count" in classes(s)))
        if not cnt.startswith("%d finding" % n):
            errors.append("%s: count %r, the JSON has %d" % (rule, cnt, n))
        spread = [text(p) for p in c.iter(X + "p") if "spread" in classes(p)]
        want = "%d phone" % len(phones[rule])
        if not spread or not spread[0].startswith(want):
            errors.append("%s: spread %r, want %r" % (rule, spread, want))
        details = list(c.iter(X + "details"))
        is_error = "error" in classes(c)
        if not details or (details[0].get("open") is not None) != is_error:
            errors.append("%s: instances %s, want %s" % (
                rule, "open" if details and details[0].get("open") else "collapsed",
                "open" if is_error else "collapsed"))
        items = list(c.iter(X + "li"))
        if len(items) != min(n, 50):
            errors.append("%s: %d instances listed, want %d" % (rule, len(items), min(n, 50)))
        more = " ".join(text(p) for p in c.iter(X + "p") if "more" in classes(p))
        if n > 50 and not more.startswith("%d more not listed" % (n - 50)):
            errors.append("%s: 'more' note %r" % (rule, more))
        for li in items:
            hrefs = [a.get("href")[1:] for a in li.iter(X + "a") if a.get("href")]
            if not any(h in phone_ids for h in hrefs):
                errors.append("%s: instance %s links to no phone (%s)" % (rule, li.get("id"), hrefs))
                break

    for rule in opts["--single"]:
        n = count[rule]
        got = cards[rule]
        if not n or len(got) != n or any("grouped" in classes(c) for c in got):
            errors.append("%s: %d card(s) for %d findings, want one each, none grouped" % (
                rule, len(got), n))

    if "--phones" in opts:
        n, k = int(opts["--phones"][0]), int(opts["--cards"][0])
        w = int(opts.get("--warned-rows", ["0"])[0])
        full = [d for d in phone_sec.iter(X + "div") if "phone" in classes(d)]
        rows = [tr for tr in phone_sec.iter(X + "tr") if "healthy" in classes(tr)]
        warned = [tr for tr in phone_sec.iter(X + "tr") if "warned" in classes(tr)]
        if len(full) != k or len(rows) != n - k - w or len(warned) != w:
            errors.append("phones: %d cards, %d warned and %d healthy rows, want %d, %d and %d" % (
                len(full), len(warned), len(rows), k, w, n - k - w))
        names = {text(d.find(X + "h3")).split(" ")[0] for d in full}
        names |= {next(tr.iter(X + "td")).text for tr in warned}
        if names != flagged:
            errors.append("phones with a card or a warned row are not those warned: %s" %
                          sorted(names ^ flagged)[:5])
        for tr in warned:
            if "TRUST_VIA_TVS" not in text(tr):
                errors.append("warned row %s does not name its rule" % tr.get("id"))
                break
        for tr in rows + warned:
            tds = tr.findall(X + "td")
            name = "".join(tds[0].itertext()).split("<")[0] if tds else ""
            if len(tds) != 5 or not any(a.get("href", "").startswith("#tl-") for a in tds[1].iter(X + "a")) \
                    or not text(tds[2]) or not text(tds[3]) or tds[4].find(X + "details") is None:
                errors.append("phone row %s lacks held ITL, TVS verdict, last boot or events" % tr.get("id"))
                break
            if tr in rows and any(name.startswith(f) for f in flagged):
                errors.append("warned phone %s is only a row" % name)
                break
        start, end = raw.index('<section id="phones">'), raw.index("</section>", raw.index('<section id="phones">'))
        per = (end - start) / n
        bound = int(opts["--max-per-phone"][0])
        if per > bound:
            errors.append("phones section: %.0f bytes per phone, bound %d" % (per, bound))
        print("grouped_check: phones section %d bytes, %.0f per phone" % (end - start, per))

    for e in errors:
        print("grouped_check: %s: %s" % (html, e))
    if not errors:
        print("grouped_check: %s: ok (%s)" % (html, " ".join("%s=%d" % kv for kv in sorted(count.items()))))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
