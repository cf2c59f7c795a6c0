#!/usr/bin/env python3
"""Check JSON lines against contrib/srt-events.schema.json.

Implements the part of JSON Schema that schema uses (type object,
required, additionalProperties false, const, enum, type string/integer,
minimum, maximum, minLength, maxLength, pattern), so the tests need no
package beyond python3.  Usage: monitor-schema.py SCHEMA FILE; prints the
number of valid lines, exits 1 at the first invalid one.
"""
import json
import re
import sys


def check_value(name, spec, v):
    if "const" in spec and v != spec["const"]:
        return "%s: %r is not %r" % (name, v, spec["const"])
    if "enum" in spec and v not in spec["enum"]:
        return "%s: %r not in %r" % (name, v, spec["enum"])
    t = spec.get("type")
    if t == "string":
        if not isinstance(v, str):
            return "%s: not a string" % name
        if len(v) > spec.get("maxLength", len(v)):
            return "%s: too long" % name
        if len(v) < spec.get("minLength", 0):
            return "%s: too short" % name
        if "pattern" in spec and not re.search(spec["pattern"], v):
            return "%s: %r does not match %s" % (name, v, spec["pattern"])
    if t == "integer":
        if not isinstance(v, int) or isinstance(v, bool):
            return "%s: not an integer" % name
        if v < spec.get("minimum", v) or v > spec.get("maximum", v):
            return "%s: out of range" % name
    return None


def check(schema, obj):
    if not isinstance(obj, dict):
        return "not an object"
    for k in schema["required"]:
        if k not in obj:
            return "missing " + k
    props = schema["properties"]
    for k, v in obj.items():
        if k not in props:
            if schema.get("additionalProperties") is False:
                return "unexpected member " + k
            continue
        err = check_value(k, props[k], v)
        if err:
            return err
    return None


def main():
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    n = 0
    with open(sys.argv[2], encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            err = check(schema, json.loads(line))
            if err:
                print("line %d: %s" % (lineno, err), file=sys.stderr)
                return 1
            n += 1
    print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
