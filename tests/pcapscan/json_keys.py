#!/usr/bin/env python3
"""JSON key sets of pcapscan --json (docs/output.md, "Key sets"), checked both ways.

json_keys.py DOC FORMAT MODE FILE...   (FORMAT 1 or 2; MODE plain or content: --json-content)

Every object of a kind (a line type, or a nested object such as finding.evidence) must have
exactly the keys the doc lists for it, in that order; a key marked '?' (format 1 only) may be
missing; '+' marks a key written only with --json-content. Independently of the doc, a key that
one object of a kind has and another lacks is reported (unless the doc marks it '?'). Exit 1 on
any difference, naming the file, line and kind.

Prints the kinds seen, one a line ("FORMAT MODE KIND"), so the caller can check that every kind
the doc lists for the format was met somewhere (both ways: no undocumented key, no documented
key missing)."""
import json
import re
import sys


def load_schema(doc, fmt, mode):
    text = open(doc, encoding="utf-8").read()
    m = re.search(r"<!-- json-keys -->\s*```text\n(.*?)```", text, re.S)
    if not m:
        sys.exit(f"{doc}: no json-keys block")
    schema = {}
    for line in m.group(1).splitlines():
        if not line.strip():
            continue
        head, _, keys = line.partition(":")
        f, kind = head.split()
        if f != fmt:
            continue
        ks = []
        for k in keys.split():
            plus, opt = k.startswith("+"), k.endswith("?")
            name = k.strip("+?")
            if plus and mode != "content":
                continue
            ks.append((name, opt))
        schema[kind] = ks
    return schema


def walk(obj, kind, out, where):
    out.append((kind, list(obj.keys()), where))
    if kind == "summary.rules":  # a map of rule IDs
        return
    for k, v in obj.items():
        if isinstance(v, dict):
            walk(v, f"{kind}.{k}", out, where)
        elif isinstance(v, list):
            for e in v:
                if isinstance(e, dict):
                    walk(e, f"{kind}.{k}[]", out, where)


def main():
    doc, fmt, mode, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    schema = load_schema(doc, fmt, mode)
    errors = []
    seen = {}
    for fn in files:
        with open(fn, encoding="utf-8") as fp:
            for no, line in enumerate(fp, 1):
                obj = json.loads(line)
                objs = []
                walk(obj, obj.get("type", "?"), objs, f"{fn}:{no}")
                for kind, keys, where in objs:
                    seen.setdefault(kind, []).append((keys, where))
    for kind, objs in seen.items():
        if kind == "summary.rules":
            continue
        want = schema.get(kind)
        if want is None:
            errors.append(f"{objs[0][1]}: kind '{kind}' is not in the doc's key sets")
            continue
        optional = {k for k, o in want if o}
        union = []
        for keys, _ in objs:
            union += [k for k in keys if k not in union]
        for keys, where in objs:
            missing = [k for k in union if k not in keys and k not in optional]
            if missing:
                errors.append(f"{where}: {kind} lacks {missing}, which another {kind} has")
                break
        names = [k for k, _ in want]
        for keys, where in objs:
            extra = [k for k in keys if k not in names]
            absent = [k for k, o in want if not o and k not in keys]
            order = [k for k in names if k in keys]
            if extra or absent or order != keys:
                errors.append(f"{where}: {kind} keys {keys} differ from the doc's {names}"
                              f" (undocumented {extra}, missing {absent})")
                break
        print(f"{fmt} {mode} {kind}")
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
