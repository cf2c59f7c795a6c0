#!/usr/bin/env python3
"""Check contrib/logging's Vector and Fluent Bit snippets offline.

usage: contrib-logging.py CONTRIB_DIR LOG_PATH EVENT_FILE

Parses each snippet (tomllib, python3-yaml when installed, and the
classic Fluent Bit format by hand), checks that the pipeline is wired
(every input named exists, every Match covers a Tag), that it reads
LOG_PATH, and that each event field it uses is in the schema and in
the event srt-monitor wrote to EVENT_FILE.  Prints one line per check
that failed and exits 1 if any did.
"""
import fnmatch
import json
import re
import sys
import tomllib

contrib, log, event_file = sys.argv[1:4]
schema = json.load(open(f"{contrib}/srt-events.schema.json"))
fields = set(schema["properties"])
event = json.loads(open(event_file).readline())
bad = []


def check(cond, what):
    if not cond:
        bad.append(what)


def check_field(name, where):
    check(name in fields, f"{where}: {name} is not in the schema")
    check(name in event, f"{where}: {name} is not in a real event")


def vector(path):
    with open(path, "rb") as f:
        v = tomllib.load(f)
    src = v.get("sources", {})
    names = set(src) | set(v.get("transforms", {}))
    check(any(log in s.get("include", []) for s in src.values()),
          f"{path}: no source reads {log}")
    for kind in ("transforms", "sinks"):
        for n, t in v.get(kind, {}).items():
            check(t.get("inputs"), f"{path}: {n} has no inputs")
            for i in t.get("inputs", []):
                check(i in names, f"{path}: {n}: input {i} is not defined")
    for n, t in v.get("transforms", {}).items():
        vrl = t.get("source", "") + " " + t.get("condition", "")
        # .message is Vector's own field for a file line, not an event's.
        for f in re.findall(r"(?<![\w.])\.([A-Za-z_]\w*)", vrl):
            if f != "message":
                check_field(f, f"{path}: {n}")


def fluent_classic(path):
    sections = []
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if re.fullmatch(r"\[[A-Z]+\]", line):
            sections.append((line[1:-1], {}))
            continue
        check(sections, f"{path}: key outside a section: {line}")
        k, _, val = line.partition(" ")
        check(val.strip(), f"{path}: {k} has no value")
        if sections:
            sections[-1][1][k.lower()] = val.strip()
    return [(s.lower(), kv) for s, kv in sections]


def fluent_yaml(path):
    import yaml
    p = yaml.safe_load(open(path))["pipeline"]
    out = []
    for kind, key in (("inputs", "input"), ("filters", "filter"),
                      ("outputs", "output")):
        for kv in p.get(kind, []):
            out.append((key, {k.lower(): str(x) for k, x in kv.items()}))
    return out


def fluent(path, sections):
    tags = [kv.get("tag", "") for s, kv in sections if s == "input"]
    check(any(kv.get("path") == log for s, kv in sections
              if s == "input"), f"{path}: no input reads {log}")
    check(all(kv.get("parser") == "json" for s, kv in sections
              if s == "input"), f"{path}: an input is not parsed as JSON")
    for s, kv in sections:
        if s in ("filter", "output"):
            m = kv.get("match", "")
            check(any(fnmatch.fnmatchcase(t, m) for t in tags),
                  f"{path}: {s} {kv.get('name')}: Match {m} covers no Tag")
        if s == "filter" and kv.get("name") == "grep":
            key, _, rx = kv["regex"].partition(" ")
            check_field(key, f"{path}: grep")
            check(re.search(rx.strip(), str(event.get(key, ""))),
                  f"{path}: grep does not keep a real denial")


vector(f"{contrib}/logging/vector-srt.toml")
fluent(f"{contrib}/logging/fluent-bit-srt.conf",
       fluent_classic(f"{contrib}/logging/fluent-bit-srt.conf"))
try:
    import yaml  # noqa: F401
    fluent(f"{contrib}/logging/fluent-bit-srt.yaml",
           fluent_yaml(f"{contrib}/logging/fluent-bit-srt.yaml"))
except ImportError:
    print("# python3-yaml not installed: fluent-bit-srt.yaml not parsed")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
