#!/usr/bin/env python3
"""Writes crates/state/tests/data/difflib.json: inputs and outputs of
Python's difflib.unified_diff, the diff Salt puts in `changes.diff`.
Seeded, so a rerun writes the same file (with the same Python's difflib).

    /tmp/salt-lab/venv/bin/python scripts/capture-difflib-cases.py
"""
import difflib
import json
import os
import random
import sys

rng = random.Random(4)
cases = []


def add(a, b, lineterm="\n"):
    out = list(difflib.unified_diff(a, b, lineterm=lineterm))
    cases.append({"a": a, "b": b, "lineterm": lineterm, "diff": out})


# Hand-written shapes: appends, deletions, a missing last newline, long
# equal runs splitting hunks, blank-line-heavy files.
add(["a\n", "b\n"], ["a\n", "b\n", "c\n"])
add(["a\n", "b\n", "c\n"], ["a\n", "c\n"])
add(["a\n", "b"], ["a\n", "b\n"])
add(["a\n", "b"], ["a\n", "c"])
add([], ["x\n", "y\n"])
add(["x\n", "y\n"], [])
add([f"{i}\n" for i in range(20)], [f"{i}\n" for i in range(20) if i not in (3, 15)])
add([f"{i}\n" for i in range(20)], [f"{i}\n" for i in range(20) if i != 9] + ["end\n"])
add(["\n"] * 10 + ["x\n"] + ["\n"] * 10, ["\n"] * 10 + ["y\n"] + ["\n"] * 10)
add(["a", "b"], ["a", "b", "c"], lineterm="")
add(["a", "b"], ["a", "b", "c"])

# Random edits over small alphabets (many repeated lines, so the matcher's
# choice among equal-length matches shows), some past 200 lines (difflib's
# popular-element heuristic).
for n in list(range(1, 40)) + [120, 199, 200, 201, 250, 400, 600]:
    for alphabet in (3, 8, 50):
        a = [f"l{rng.randrange(alphabet)}\n" for _ in range(n)]
        b = list(a)
        for _ in range(rng.randrange(1, 6)):
            op = rng.randrange(3)
            pos = rng.randrange(len(b) + 1)
            if op == 0:
                b.insert(pos, f"l{rng.randrange(alphabet)}\n")
            elif op == 1 and b:
                del b[min(pos, len(b) - 1)]
            elif b:
                b[min(pos, len(b) - 1)] = f"new{rng.randrange(alphabet)}\n"
        add(a, b)

dest = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                    "crates/state/tests/data/difflib.json")
with open(dest, "w") as f:
    json.dump({"python": sys.version.split()[0], "cases": cases}, f, indent=0)
    f.write("\n")
print(f"{len(cases)} cases -> {dest}")
