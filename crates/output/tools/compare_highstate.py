"""Differential check of the highstate outputter against Salt's own: random
state returns and options, printed by salt.output.try_printout (in this
process) and by examples/highstate.rs. Cases where Salt's outputter raises
an exception Salt does not catch (it crashes; salt-rs prints nested) are
counted and skipped.

Run from the workspace root with the lab's Python, after
`cargo build -p salt-output --example highstate`:
    /tmp/salt-lab/venv/bin/python crates/output/tools/compare_highstate.py SEED COUNT
"""
import json
import random
import subprocess
import sys

import salt.config
import salt.output

random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 300

WORDS = ["a", "word", "hyphen-ated", "well--known", "x-y-z", "trailing-", "-lead",
         "long" * 12, "tab\there", "new\nline", "  ", "é", "日本", "{0}", "{6[name]}",
         "}", "{", "\x1b[31m", "\r\n", "\u2028", "1.5", "None", "True"]


def text(n=None):
    n = random.choice([0, 1, 2, 3, 8, 30]) if n is None else n
    return " ".join(random.choice(WORDS) for _ in range(n))


def scalar():
    return random.choice([None, True, False, 0, 1, 2.5, -3, "", text(), "x\ny"])


def value(depth=0):
    r = random.random()
    if depth > 2 or r < 0.4:
        return scalar()
    if r < 0.7:
        return {text(1) or "k": value(depth + 1) for _ in range(random.randint(0, 3))}
    return [value(depth + 1) for _ in range(random.randint(0, 3))]


def state_ret(i, depth=0):
    mod = random.choice(["test", "file", "cmd", "salt"])
    sid = random.choice(["id", "an id", f"id{i}", "same"])
    name = random.choice([sid, f"name{i}", "state.sls", "state.orch", text(2) or "n"])
    fun = random.choice(["nop", "managed", "run"])
    tag = "_|-".join([mod, sid, name, fun])
    if random.random() < 0.03:
        tag = random.choice(["nosep", "a_|-b", "a_|-b_|-c", "a_|-b_|-c_|-d_|-e"])
    ret = {
        "name": name,
        "changes": random.choice([{}, {}, {"diff": "--- a\n+++ b\n-x\n+y"},
                                  {"testing": {"old": "a", "new": "b"}}, value(), [], "chg"]),
        "result": random.choice([True, True, False, None, "yes", 1, 0]),
        "comment": random.choice([text(), text(), "line1\nline2\n", ["a", "b"], 5, None]),
        "__sls__": random.choice(["s1", "s2"]),
        "__run_num__": random.choice([i, i, 0, 2.5]),
        "start_time": random.choice(["10:00:00.000001", "", 12]),
        "duration": random.choice([0.5, 1.25, 999.0, 1234.5678, 3, "7 ms", "fast", "2.5"]),
        "__id__": sid,
    }
    if depth == 0 and random.random() < 0.05:
        ret["changes"] = {"out": "highstate", "ret": {"inner": states(depth + 1)}}
    if depth == 0 and name in ("state.sls", "state.orch") and random.random() < 0.5:
        ret["changes"] = {"inner_master": states(depth + 1)}
    for key in ["comment", "changes", "__run_num__", "start_time", "duration", "__id__",
                "__sls__", "name"]:
        if random.random() < 0.02:
            del ret[key]
    if random.random() < 0.15:
        ret["warnings"] = random.choice([[text(), text(20)], [text(40)], "abc", []])
    if random.random() < 0.05:
        ret["data"] = random.choice([["x", 1], {"k": "v"}, False])
    if random.random() < 0.1:
        ret["__parallel__"] = True
    return tag, ret


def states(depth=0):
    return dict(state_ret(i, depth) for i in range(random.randint(0, 6)))


def minion_ret():
    r = random.random()
    if r < 0.8:
        return states()
    return random.choice([["err one", "err\ntwo"], "a string", 5, None, True, {}])


def options():
    o = {"color": random.random() < 0.3}
    mode = random.choice(["full", "terse", "mixed", "changes", "filter", "bogus"])
    o["state_output"] = mode + random.choice(["", "", "_id"])
    if random.random() < 0.3:
        o["state_verbose"] = False
    if random.random() < 0.1:
        o["state_output_diff"] = True
    if random.random() < 0.2:
        o["state_output_profile"] = False
    if random.random() < 0.2:
        o["state_output_pct"] = True
    if random.random() < 0.2:
        o["state_compress_ids"] = True
    if random.random() < 0.3:
        o["state_tabular"] = random.choice(
            [True, True, "{0}{1:>12}|{4:^9}|{6[duration]!s:>8}{5}", "{6[__run_num__]:03}"])
    if mode == "filter":
        o["state_output_exclude"] = random.choice(["True", "None,False", ["True"], ""])
        o["state_output_terse"] = random.choice(["False", "True,", ["None"]])
    return o


def salt_text(data, opts, retcode):
    o = salt.config.minion_config(None)
    o.update(opts)
    text = salt.output.try_printout(json.loads(json.dumps(data)), "highstate", o,
                                    _retcode=retcode)
    return text + "\n" if text else ""


cases, wants = [], []
crashed = 0
while len(cases) < COUNT:
    n = random.choice([1, 1, 1, 2])
    data = {f"m{i}": minion_ret() for i in range(n)}
    if random.random() < 0.03:
        data = random.choice([{"return": data}, {"data": data}, [1], "s", None])
    opts = options()
    retcode = random.choice([0, 0, 1, 2])
    try:
        want = salt_text(data, opts, retcode)
    except Exception:  # Salt's outputter crashes on this data
        crashed += 1
        continue
    cases.append({"data": data, "opts": opts, "retcode": retcode})
    wants.append(want)

proc = subprocess.run(["target/debug/examples/highstate"], capture_output=True, check=True,
                      input="\n".join(json.dumps(c) for c in cases).encode())
gots = [json.loads(l) for l in proc.stdout.decode().split("\n") if l]
fails = 0
for case, want, got in zip(cases, wants, gots):
    if want != got:
        fails += 1
        if fails <= 3:
            print("CASE", json.dumps(case))
            for i, (a, b) in enumerate(zip(want.split("\n"), got.split("\n"))):
                if a != b:
                    print(f"line {i + 1}\n  salt: {a!r}\n  ours: {b!r}")
                    break
            else:
                print("  lengths differ", len(want), len(got))
print(f"fails {fails} of {len(cases)} (Salt crashed on {crashed} more)")
