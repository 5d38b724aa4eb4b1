#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Check isopod's --json documents against docs/schema/ with a real
validator (Debian's python3-jsonschema), under draft-07 (what the files
declare) and 2020-12 alike, so a schema means the same to either.

  validate-json.py [--lines] [--error-schema E.json] SCHEMA.json < DOC
  validate-json.py --check-schemas DIR

The first checks the document on stdin (--lines: each non-empty line one
document) against SCHEMA.json; with --error-schema, a document that is the
error object alone ({"error": ...}) is checked against E.json instead (a
command that failed).  The second checks every DIR/*.json is a valid schema
of the house (check_schemas).

Exit 0 valid; 1 invalid, one line per problem on stdout (where and what);
2 usage, or a schema that cannot be read; 77 without the jsonschema module
(the message says which package to install).  Run it with /usr/bin/python3,
the interpreter Debian's package installs into (a pyenv python3 first on
PATH would not see it).
"""
import argparse
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("the jsonschema module is missing; apt-get install python3-jsonschema "
          "(and run this with /usr/bin/python3)", file=sys.stderr)
    sys.exit(77)

DRAFTS = (jsonschema.Draft7Validator, jsonschema.Draft202012Validator)

# Keywords that mean the same in draft-07 and 2020-12, annotations included
# ($id too, as long as it is no "#name" anchor, which 2020-12 spells $anchor).
# Not: $ref, $defs/definitions, prefixItems, items as an array, additionalItems,
# dependencies, unevaluated*.
ALLOWED = {"$schema", "$id", "$comment", "title", "description", "examples", "default",
           "type", "properties", "required", "additionalProperties", "items", "enum", "const",
           "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
           "minItems", "maxItems", "uniqueItems", "pattern", "oneOf", "anyOf"}


def where(path):
    out = "$"
    for p in path:
        out += "[%d]" % p if isinstance(p, int) else "." + str(p)
    return out


def problems(validator, doc):
    errs = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errs:
        best = jsonschema.exceptions.best_match([e])
        yield "%s: %s" % (where(best.absolute_path), best.message)


def validate(schema, doc, name):
    seen = []
    for draft in DRAFTS:
        for p in problems(draft(schema), doc):
            if p not in seen:
                seen.append(p)
    return ["%s %s" % (name, p) for p in seen]


def check_house(schema, name, at="$"):
    """The house rules a schema file keeps beyond being valid: no keyword
    outside ALLOWED ($ref, $defs, prefixItems, items as an array...), every
    object schema with a non-empty required list (a union: each branch; an
    array: its items), and additionalProperties on every object schema."""
    out = []
    if not isinstance(schema, dict):
        return ["%s %s: a schema must be an object" % (name, at)]
    for k in schema:
        if k not in ALLOWED:
            out.append("%s %s: keyword '%s' is not one of the house's (%s)" % (name, at, k, ", ".join(sorted(ALLOWED))))
    if "#" in str(schema.get("$id", "")):
        out.append("%s %s: an $id with a '#' is an anchor, which the two drafts spell differently" % (name, at))
    items = schema.get("items")
    if items is not None and not isinstance(items, dict):
        out.append("%s %s: 'items' must be a single schema" % (name, at))
    for k in ("oneOf", "anyOf"):
        for i, s in enumerate(schema.get(k, [])):
            out += check_house(s, name, "%s.%s[%d]" % (at, k, i))
    for key, s in schema.get("properties", {}).items():
        out += check_house(s, name, "%s.properties.%s" % (at, key))
    if isinstance(items, dict):
        out += check_house(items, name, at + ".items")
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        out += check_house(extra, name, at + ".additionalProperties")
    union = "oneOf" in schema or "anyOf" in schema
    if ("properties" in schema or schema.get("type") == "object") and not union:
        if "additionalProperties" not in schema:
            out.append("%s %s: an object schema says what else it allows (additionalProperties)" % (name, at))
    return out


def needs_required(schema, name, at="$"):
    """The top of a document cannot be anything: an object names what it
    must hold; a union, each branch; an array, its items."""
    if "oneOf" in schema or "anyOf" in schema:
        out = []
        for k in ("oneOf", "anyOf"):
            for i, s in enumerate(schema.get(k, [])):
                out += needs_required(s, name, "%s.%s[%d]" % (at, k, i))
        return out
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return needs_required(schema["items"], name, at + ".items")
    req = schema.get("required")
    if not isinstance(req, list) or not req:
        return ["%s %s: no non-empty 'required' list" % (name, at)]
    return []


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print("cannot read schema %s: %s" % (path, e), file=sys.stderr)
        sys.exit(2)


def check_schemas(d):
    out = []
    names = sorted(n for n in os.listdir(d) if n.endswith(".json"))
    if not names:
        return ["%s: no schema files" % d]
    for n in names:
        s = load(os.path.join(d, n))
        for draft in DRAFTS:
            try:
                draft.check_schema(s)
            except jsonschema.exceptions.SchemaError as e:
                out.append("%s: not a valid %s schema: %s at %s" % (n, draft.__name__, e.message, where(e.path)))
        if not isinstance(s, dict):
            continue
        if s.get("$schema") != "http://json-schema.org/draft-07/schema#":
            out.append("%s: $schema is not http://json-schema.org/draft-07/schema#" % n)
        if not isinstance(s.get("title"), str) or not s["title"]:
            out.append("%s: no title" % n)
        if "$ref" in json.dumps(s):
            out.append("%s: holds a $ref (each file stands alone)" % n)
        out += needs_required(s, n) + check_house(s, n)
    return out + check_copies(d, names)


def strip(schema, drop=()):
    """A schema's validating part: without its annotations and the DROP properties."""
    s = {k: v for k, v in schema.items() if k not in ("$schema", "$id", "title", "description")}
    if "properties" in s:
        s["properties"] = {k: v for k, v in s["properties"].items() if k not in drop}
    if "required" in s:
        s["required"] = [r for r in s["required"] if r not in drop]
    return s


def check_copies(d, names):
    """Files that must say the same where one document sits in another (no
    $ref between files, so each holds its own copy): up --verify's member
    'verify' is verify.json's report but its work order and reason; a line
    of logs --follow is an item of logs.json's lines."""
    out = []
    pairs = (("up.json", ("properties", "verify"), "verify.json", ("work_order", "profile", "reason")),
             ("logs-line.json", (), "logs.json", None))
    for inner_file, at, outer_file, drop in pairs:
        if inner_file not in names or outer_file not in names:
            continue
        inner = load(os.path.join(d, inner_file))
        outer = load(os.path.join(d, outer_file))
        for k in at:
            inner = inner.get(k, {})
        if drop is None:
            outer = outer.get("properties", {}).get("lines", {}).get("items", {})
        a, b = strip(inner), strip(outer, drop or ())
        if a != b:
            where_ = ".".join(("$",) + at)
            out.append("%s %s differs from %s (regenerate the copy): %s != %s"
                       % (inner_file, where_, outer_file, json.dumps(a, sort_keys=True)[:300],
                          json.dumps(b, sort_keys=True)[:300]))
    return out


def main(argv):
    ap = argparse.ArgumentParser(prog="validate-json.py", usage=__doc__.split("\n\n")[1])
    ap.add_argument("--check-schemas", metavar="DIR")
    ap.add_argument("--lines", action="store_true")
    ap.add_argument("--error-schema", metavar="E")
    ap.add_argument("schema", nargs="?")
    a = ap.parse_args(argv)
    if a.check_schemas:
        out = check_schemas(a.check_schemas)
    elif a.schema:
        schema = load(a.schema)
        error = load(a.error_schema) if a.error_schema else None
        name = os.path.basename(a.schema)
        text = sys.stdin.read()
        docs = [l for l in text.split("\n") if l.strip()] if a.lines else [text]
        if not docs:
            print("%s: no document on stdin" % name)
            return 1
        out = []
        for i, t in enumerate(docs):
            label = "%s line %d" % (name, i + 1) if a.lines else name
            try:
                doc = json.loads(t)
            except ValueError as e:
                out.append("%s: not JSON (%s): %.200s" % (label, e, t))
                continue
            if error is not None and isinstance(doc, dict) and list(doc) == ["error"]:
                out += validate(error, doc, os.path.basename(a.error_schema))
            else:
                out += validate(schema, doc, label)
    else:
        ap.print_usage(sys.stderr)
        return 2
    for line in out:
        print(line)
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
