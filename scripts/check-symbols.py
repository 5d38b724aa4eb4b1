#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The arrows of the house at the symbol level: which object file calls
which, read from `nm` of the built objects, not from the includes.

    scripts/check-symbols.py BUILD_DIR        (make check-layering)

A file's layer comes from its path: src/base/ is the base layer, podman/ the
REST client, netns/ the namespace layer, the rest of src/ the domain and the
commands. The allowed arrows:

    domain -> domain, podman, netns, base
    podman -> podman, base
    netns  -> netns, base
    base   -> base

Any other arrow fails, naming both files and the symbols, and so does a
cycle between two files (directly or round a loop). Inside the domain
each folder of src/ is a unit (src/main.c and src/cli.c are units of their
own): only main calls into cmd/, nothing calls main, and the arrows between
units form no cycle (main -> cmd -> the other folders). A few folders are
leaves of the domain, calling only the layers below (LEAVES: src/store/
copies volumes for the others, and uses only netns and base). Exit 0 when all
holds, 1 when not, 2 when the objects cannot be read.
"""
import os
import subprocess
import sys

ALLOWED = {
    "domain": {"domain", "podman", "netns", "base"},
    "podman": {"podman", "base"},
    "netns": {"netns", "base"},
    "base": {"base"},
}

# Domain folders that may call only themselves and these folders.
LEAVES = {"store": {"netns", "base"}, "testrun": {"base"}, "mcp": {"base"}}


def layer(src):
    if src.startswith("src/base/"):
        return "base"
    if src.startswith("podman/"):
        return "podman"
    if src.startswith("netns/"):
        return "netns"
    if src.startswith("src/"):
        return "domain"
    return None


def unit(src):
    """The folder a file belongs to, for the arrows between folders."""
    parts = src.split("/")
    if parts[0] == "src" and len(parts) == 2:
        return parts[1][:-2]
    return parts[1] if parts[0] == "src" else parts[0]


def objects(build):
    found = []
    for top in ("src", "podman", "netns"):
        root = os.path.join(build, top)
        for d, _, files in os.walk(root):
            for f in files:
                if f.endswith(".o"):
                    path = os.path.join(d, f)
                    found.append((os.path.relpath(path, build)[:-2] + ".c", path))
    return sorted(found)


def symbols(path):
    out = subprocess.run(["nm", "-P", path], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"check-layering: nm {path}: {out.stderr.strip()}")
    defined, undefined = set(), set()
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            undefined.add(name)
        elif kind.isupper() and kind not in "NV":
            defined.add(name)
    return defined, undefined


def cycles(edges, nodes):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check-symbols.py BUILD_DIR")
    objs = objects(sys.argv[1])
    if not objs:
        print(f"check-layering: no objects under {sys.argv[1]}; build first (make)", file=sys.stderr)
        return 2
    owner, needs = {}, {}
    for src, path in objs:
        defined, undefined = symbols(path)
        for s in defined:
            owner.setdefault(s, src)
        needs[src] = undefined
    edges, why = {}, {}
    for src, undefined in needs.items():
        for s in undefined:
            dst = owner.get(s)
            if dst and dst != src:
                edges.setdefault(src, set()).add(dst)
                why.setdefault((src, dst), []).append(s)
    fail = 0
    for (src, dst), syms in sorted(why.items()):
        a, b = layer(src), layer(dst)
        if a and b and b not in ALLOWED[a]:
            print(f"check-layering: back arrow {src} ({a}) -> {dst} ({b}): {', '.join(sorted(syms))}; "
                  f"{a} may call only {', '.join(sorted(ALLOWED[a]))}")
            fail = 1
    # Between the folders of the domain: main -> cmd -> the rest, no cycle.
    units, uwhy = {}, {}
    for (src, dst), syms in why.items():
        a, b = unit(src), unit(dst)
        if layer(src) != "domain" or layer(dst) != "domain" or a == b:
            continue
        units.setdefault(a, set()).add(b)
        uwhy.setdefault((a, b), []).append(f"{src} -> {dst}: {', '.join(sorted(syms))}")
        if a in LEAVES and b not in LEAVES[a]:
            print(f"check-layering: back arrow {src} -> {dst} ({', '.join(sorted(syms))}): src/{a}/ may call "
                  f"only {', '.join(sorted(LEAVES[a]))}")
            fail = 1
        if b == "main" or (b == "cmd" and a != "main"):
            print(f"check-layering: back arrow {src} -> {dst} ({', '.join(sorted(syms))}): only main calls "
                  f"into cmd/, and nothing calls main")
            fail = 1
    for comp in cycles(units, {unit(s) for s in needs if layer(s) == "domain"}):
        detail = "; ".join(w for a in comp for b in comp for w in uwhy.get((a, b), []))
        print(f"check-layering: cycle between the folders {' <-> '.join(comp)} ({detail})")
        fail = 1
    for comp in cycles(edges, needs.keys()):
        detail = "; ".join(f"{s} -> {d}: {', '.join(sorted(why[(s, d)]))}"
                           for s in comp for d in comp if (s, d) in why)
        print(f"check-layering: cycle {' <-> '.join(comp)} ({detail})")
        fail = 1
    if not fail:
        print(f"check-layering: symbols ok ({len(objs)} objects, {sum(len(v) for v in edges.values())} "
              f"arrows, no cycle)")
    return fail


if __name__ == "__main__":
    sys.exit(main())
