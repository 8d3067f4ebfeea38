"""Regenerate tests/golden/highstate/: what Salt 3007 prints with its
highstate outputter, and the data it printed.

Two kinds of case, written the same way (NAME.json = the outputter's input,
NAME.txt = what Salt printed, NAME.opts.json = the options in Salt's names):

* salt-call cases: `salt-call --local` runs a state from tests/golden/highstate/tree
  through ../../shared/tools/salt-lab. `cache_jobs: True` makes salt-call keep
  the return of that very run in its job cache, so NAME.json holds exactly the
  data behind NAME.txt (timings included); it is written the way `--out json`
  writes it ({"local": return}, indent 4).
* oracle cases: data made up here, printed by Salt's own outputter code
  (salt.output.try_printout(data, "highstate", opts)), for shapes and options a
  state run seldom produces.

The lab directory is replaced by /srv/lab in both files (it appears only in
render-error messages). Run with the lab's Python, from crates/output:

    SALT_LAB_DIR=/tmp/lab-NAME /tmp/salt-lab/venv/bin/python tools/capture_highstate.py
"""
import glob
import json
import os
import shutil
import subprocess
import sys

import salt.config
import salt.output
import salt.payload
import salt.utils.json

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "golden", "highstate")
TREE = os.path.join(OUT, "tree")
SALT_LAB = os.path.join(HERE, "..", "..", "..", "..", "shared", "tools", "salt-lab")
LAB = os.environ.get("SALT_LAB_DIR", "/tmp/salt-lab")
FILES = "/tmp/salt-rs-highstate-golden"

# name, salt-call arguments, extra minion config
CALLS = [
    ("mixed.full", ["state.apply", "mixed"], {}),
    ("mixed.terse", ["--state-output=terse", "state.apply", "mixed"], {}),
    ("mixed.mixed", ["--state-output=mixed", "state.apply", "mixed"], {}),
    ("mixed.changes", ["--state-output=changes", "state.apply", "mixed"], {}),
    ("mixed.full_id", ["--state-output=full_id", "state.apply", "mixed"], {}),
    ("mixed.terse_id", ["--state-output=terse_id", "state.apply", "mixed"], {}),
    ("mixed.mixed_id", ["--state-output=mixed_id", "state.apply", "mixed"], {}),
    ("mixed.changes_id", ["--state-output=changes_id", "state.apply", "mixed"], {}),
    ("mixed.filter", ["--state-output=filter", "state.apply", "mixed"],
     {"state_output_exclude": "True", "state_output_terse": "False"}),
    ("mixed.filter_id", ["--state-output=filter_id", "state.apply", "mixed"],
     {"state_output_terse": "True,False"}),
    ("mixed.verbose-false", ["--state-verbose=False", "state.apply", "mixed"], {}),
    ("mixed.terse.verbose-false",
     ["--state-output=terse", "--state-verbose=False", "state.apply", "mixed"], {}),
    ("mixed.output-diff", ["--output-diff", "state.apply", "mixed"], {}),
    ("mixed.test", ["state.apply", "mixed", "test=True"], {}),
    ("mixed.test.terse", ["--state-output=terse", "state.apply", "mixed", "test=True"], {}),
    ("mixed.pct", ["state.apply", "mixed"], {"state_output_pct": True}),
    ("mixed.no-profile", ["state.apply", "mixed"], {"state_output_profile": False}),
    ("mixed.no-profile.terse", ["--state-output=terse", "state.apply", "mixed"],
     {"state_output_profile": False}),
    ("mixed.tabular", ["--state-output=terse", "state.apply", "mixed"], {"state_tabular": True}),
    ("mixed.tabular.no-profile", ["--state-output=terse", "state.apply", "mixed"],
     {"state_tabular": True, "state_output_profile": False}),
    ("mixed.tabular-format", ["--state-output=terse", "state.apply", "mixed"],
     {"state_tabular": "{0}{4:<8}|{2:>6}.{3:<26}|{1!r:.12}|{6[__run_num__]:03d}{5}"}),
    ("mixed.color", ["--force-color", "state.apply", "mixed"], {}),
    ("mixed.color.terse", ["--force-color", "--state-output=terse", "state.apply", "mixed"], {}),
    ("mixed.color.mixed", ["--force-color", "--state-output=mixed", "state.apply", "mixed"], {}),
    ("mixed.color.changes",
     ["--force-color", "--state-output=changes", "state.apply", "mixed"], {}),
    ("mixed.color.test", ["--force-color", "state.apply", "mixed", "test=True"], {}),
    ("mixed.color.verbose-false",
     ["--force-color", "--state-verbose=False", "state.apply", "mixed"], {}),
    ("mixed.color.pct", ["--force-color", "state.apply", "mixed"], {"state_output_pct": True}),
    ("mixed.color.tabular", ["--force-color", "--state-output=terse", "state.apply", "mixed"],
     {"state_tabular": True}),
    ("highstate.changes", ["--state-output=changes", "state.highstate"], {}),
    ("comments.full", ["state.apply", "comments"], {}),
    ("comments.color", ["--force-color", "state.apply", "comments"], {}),
    ("warnings.full", ["state.apply", "warnings"], {}),
    ("warnings.terse", ["--state-output=terse", "state.apply", "warnings"], {}),
    ("warnings.tabular", ["--state-output=terse", "state.apply", "warnings"],
     {"state_tabular": True}),
    ("warnings.color", ["--force-color", "state.apply", "warnings"], {}),
    ("warnings.color.terse", ["--force-color", "--state-output=terse", "state.apply", "warnings"],
     {}),
    ("names.full", ["state.apply", "names"], {}),
    ("names.terse_id", ["--state-output=terse_id", "state.apply", "names"], {}),
    ("names.compress.terse_id", ["--state-output=terse_id", "state.apply", "names"],
     {"state_compress_ids": True}),
    ("names.compress.full", ["state.apply", "names"], {"state_compress_ids": True}),
    ("names.compress.test", ["state.apply", "names", "test=True"], {"state_compress_ids": True}),
    ("parallel.full", ["state.apply", "parallel"], {}),
    ("file.full", ["state.apply", "file"], {}),
    ("file.test", ["state.apply", "file", "test=True"], {}),
    ("file.color", ["--force-color", "state.apply", "file"], {}),
    ("render_error.full", ["state.apply", "render_error"], {}),
    ("render_error.color", ["--force-color", "state.apply", "render_error"], {}),
    ("jinja_error.full", ["state.apply", "jinja_error"], {}),
    ("missing_req.full", ["state.apply", "missing_req"], {}),
    ("missing_sls.full", ["state.apply", "no_such_sls"], {}),
    ("empty.full", ["state.apply", "empty"], {}),
    ("orch_like.full", ["state.apply", "orch_like"], {}),
    ("single.full", ["state.single", "test.succeed_with_changes", "name=single run"], {}),
]


def option_names(args, config):
    """The outputter options a case runs with, in Salt's names."""
    opts = {"color": False}
    for a in args:
        if a == "--force-color":
            opts["color"] = True
        elif a.startswith("--state-output="):
            opts["state_output"] = a.split("=", 1)[1]
        elif a.startswith("--state-verbose="):
            opts["state_verbose"] = a.split("=", 1)[1] == "True"
        elif a == "--output-diff":
            opts["state_output_diff"] = True
    opts.update(config)
    return opts


def prepare_files():
    shutil.rmtree(FILES, ignore_errors=True)
    os.makedirs(FILES)
    with open(os.path.join(FILES, "changed.txt"), "w") as f:
        f.write("line one\nline two\nline three\n")


def write_case(name, data, text, opts, retcode):
    data_json = salt.utils.json.dumps(data, default=repr, indent=4) + "\n"
    text = text.replace(LAB, "/srv/lab")
    data_json = data_json.replace(LAB, "/srv/lab")
    with open(os.path.join(OUT, name + ".json"), "w", encoding="utf-8", newline="") as f:
        f.write(data_json)
    with open(os.path.join(OUT, name + ".txt"), "w", encoding="utf-8", newline="") as f:
        f.write(text)
    opts = dict(opts, retcode=retcode)
    with open(os.path.join(OUT, name + ".opts.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(opts, indent=4, ensure_ascii=False) + "\n")


def write_call(name, args, config):
    """NAME.call.json: the salt-call arguments and the extra minion config
    of a salt-call case, for the end-to-end test that repeats the call with
    salt-rs-call (tests/e2e/golden_trees.rs)."""
    with open(os.path.join(OUT, name + ".call.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps({"args": args, "config": config}, indent=4, ensure_ascii=False) + "\n")


def capture_call(name, args, config):
    confd = os.path.join(LAB, "local", "minion.d")
    os.makedirs(confd, exist_ok=True)
    conf = dict(config, cache_jobs=True)
    with open(os.path.join(confd, "highstate-capture.conf"), "w") as f:
        f.write(json.dumps(conf) + "\n")
    jobs = os.path.join(LAB, "local", "root", "var", "cache", "salt", "minion", "minion_jobs")
    shutil.rmtree(jobs, ignore_errors=True)
    prepare_files()
    env = dict(os.environ, SALT_LAB_DIR=LAB, SALT_LAB_STATES=TREE,
               SALT_LAB_PILLAR=os.path.join(LAB, "pillar"))
    os.makedirs(env["SALT_LAB_PILLAR"], exist_ok=True)
    # Bytes, so that "\r\n" inside a comment reaches the file unchanged.
    proc = subprocess.run([SALT_LAB, "call", *args], env=env, capture_output=True, check=False)
    returns = glob.glob(os.path.join(jobs, "*", "return.p"))
    if len(returns) != 1:
        sys.exit(f"{name}: expected one cached return, found {len(returns)}\n{proc.stderr!r}")
    with open(returns[0], "rb") as f:
        ret = salt.payload.loads(f.read())
    data = {"local": ret["return"]}
    write_case(name, data, proc.stdout.decode("utf-8"), option_names(args, config), ret.get("retcode", 0))
    write_call(name, args, config)
    print(f"{name}: exit {proc.returncode}")


def state(tag_id, fun, name, result, changes, comment, run_num, **extra):
    mod, _, func = fun.partition(".")
    ret = {
        "name": name,
        "changes": changes,
        "result": result,
        "comment": comment,
        "__sls__": "made_up",
        "__run_num__": run_num,
        "start_time": f"10:00:00.{run_num:06d}",
        "duration": 1.25 + run_num,
        "__id__": tag_id,
    }
    ret.update(extra)
    return f"{mod}_|-{tag_id}_|-{name}_|-{func}", ret


def states(*items):
    return dict(items)


ORACLE = [
    # Non-state returns: what a state function gives when it cannot run.
    ("oracle.string", {"m1": "a plain string\nover two lines"}, {}, 0),
    ("oracle.empty-string", {"m1": ""}, {}, 0),
    ("oracle.int", {"m1": 7}, {}, 0),
    ("oracle.bool", {"m1": True}, {}, 0),
    ("oracle.none", {"m1": None}, {}, 0),
    ("oracle.float", {"m1": 1.5}, {}, 0),
    ("oracle.errors", {"m1": ["first error\nwith a second line", {"not": "a string"}, 3]},
     {}, 1),
    ("oracle.errors.color", {"m1": ["an \x1b[31mescaped\x1b[0m error"]}, {"color": True}, 1),
    ("oracle.empty-dict", {"m1": {}}, {}, 0),
    ("oracle.empty-dict.color", {"m1": {}}, {"color": True}, 0),
    ("oracle.no-hosts", {}, {}, 0),
    ("oracle.top-string", "just a string", {}, 0),
    ("oracle.top-none", None, {}, 0),
    ("oracle.top-list", ["a", "b"], {}, 0),
    ("oracle.top-int", 5, {}, 0),
    # Several minions in one call (salt --static): one block each.
    ("oracle.two-minions", {
        "m1": states(state("a", "test.nop", "a", True, {}, "Success!", 0)),
        "m2": ["Rendering SLS 'base:x' failed: bad"],
    }, {}, 1),
    ("oracle.two-minions.color", {
        "m1": states(state("a", "test.nop", "a", True, {"x": 1}, "Success!", 0)),
        "m2": states(state("b", "test.nop", "b", None, {}, "Would", 0)),
    }, {"color": True}, 0),
    # Envelopes the outputter unwraps.
    ("oracle.envelope-return", {"return": {"m1": states(
        state("a", "test.nop", "a", True, {}, "ok", 0))}}, {}, 0),
    ("oracle.envelope-data", {"data": {"m1": states(
        state("a", "test.nop", "a", True, {}, "ok", 0))}}, {}, 0),
    ("oracle.envelope-jid", {"m1": {"jid": "2026", "fun": "state.apply", "return": {
        "data": {"m1": states(state("a", "test.nop", "a", False, {}, "bad", 0))}}}}, {}, 0),
    ("oracle.envelope-jid-nodata", {"m1": {"jid": "2026", "fun": "state.apply",
                                           "return": {"x": 1}}}, {}, 0),
    ("oracle.orchestrator-retcode", {"retcode": 0, "host_master": states(
        state("a", "test.nop", "a", True, {}, "ok", 0))}, {}, 0),
    # Odd shapes inside a state return.
    ("oracle.odd-values", {"m1": states(
        state("a", "test.nop", "a", "yes", [], ["c1", "c2"], 0),
        state("b", "test.nop", "b", 1, "changed text", {"k": "v"}, 1),
        state("c", "test.nop", "c", 0, [1, 2], None, 2, duration="7 ms"),
        state("d", "test.nop", "d", True, {"k": {"deep": [1, {"x": None}]}}, 3.5, 3,
              duration=True, start_time=12),
        state("e", "test.nop", "e", False, {}, "   \n", 4, data=["x", 1]),
        state("f", "test.nop", "f", True, {}, "with data", 5, data={"k": "v", "n": 2}),
        state("g", "test.nop", "g", True, {}, "scalar data", 6, data=False),
    ), }, {}, 1),
    ("oracle.odd-values.terse", {"m1": states(
        state("a", "test.nop", "a", "yes", [], ["c1", "c2"], 0),
        state("b", "test.nop", "b", 1, "changed text", {"k": "v"}, 1),
        state("c", "test.nop", "c", 0, [1, 2], None, 2, duration="7 ms"),
        state("d", "test.nop", "d", None, {}, "none", 3),
    ), }, {"state_output": "terse"}, 1),
    ("oracle.missing-fields", {"m1": {
        "test_|-a_|-a_|-nop": {"result": True, "changes": {}, "comment": "no timing",
                               "__run_num__": 0},
        "test_|-b_|-b_|-nop": {"result": True, "changes": {}, "comment": "start only",
                               "__run_num__": 1, "start_time": "10:00"},
        "not_a_state": "ignored",
        "test_|-c_|-c_|-nop": {"changes": {}, "comment": "no result", "__run_num__": 2},
    }}, {}, 0),
    ("oracle.no-run-num", {"m1": {
        "test_|-b_|-b_|-nop": {"result": True, "changes": {}, "comment": "b", "duration": 2},
        "test_|-a_|-a_|-nop": {"result": False, "changes": {}, "comment": "a",
                               "__run_num__": 1},
        "changes": {"x": 1},
        "empty": {},
    }}, {}, 1),
    ("oracle.sort-by-run-num", {"m1": states(
        state("c", "test.nop", "c", True, {}, "third", 2),
        state("a", "test.nop", "a", True, {}, "first", 0),
        state("b", "test.nop", "b", True, {}, "second", 1),
        state("d", "test.nop", "d", True, {}, "tied with a", 0),
    )}, {"state_output": "terse"}, 0),
    # Fallback to nested: a state return without "changes" or "comment".
    ("oracle.fallback-no-changes", {"m1": {
        "test_|-a_|-a_|-nop": {"result": True, "comment": "x", "__run_num__": 0,
                               "duration": 1.5, "start_time": "s"},
    }}, {}, 0),
    ("oracle.fallback-no-comment", {"m1": {
        "test_|-a_|-a_|-nop": {"result": True, "changes": {}, "__run_num__": 1,
                               "duration": 1.5, "start_time": "s"},
        "test_|-b_|-b_|-nop": {"result": True, "changes": {}, "comment": ["x"],
                               "__run_num__": 0, "duration": 2.5, "start_time": "s"},
    }}, {"color": True}, 2),
    ("oracle.fallback-bad-duration", {"m1": states(
        state("a", "test.nop", "a", True, {}, "x", 0, duration=None))}, {}, 0),
    ("oracle.bad-duration-string", {"m1": states(
        state("a", "test.nop", "a", True, {}, "x", 0, duration="fast"),
        state("b", "test.nop", "b", True, {}, "x", 1, duration=" 1_000.5 "))}, {}, 0),
    # Summary widths and the run-time unit.
    ("oracle.big-counts", {"m1": states(*[
        state(f"s{i}", "test.nop", f"s{i}", [True, False, None][i % 3],
              {"n": i} if i % 2 else {}, "c", i, duration=9.5 + i / 7)
        for i in range(1234)
    ])}, {"state_output": "terse", "state_verbose": False, "state_output_pct": True}, 1),
    ("oracle.seconds", {"m1": states(
        state("a", "test.nop", "a", True, {}, "x", 0, duration=999.0),
        state("b", "test.nop", "b", True, {}, "x", 1, duration=0.0004),
    )}, {}, 0),
    ("oracle.almost-seconds", {"m1": states(
        state("a", "test.nop", "a", True, {}, "x", 0, duration=998.9996),
    )}, {"state_output_pct": True}, 0),
    ("oracle.parallel", {"m1": states(
        state("a", "test.nop", "a", True, {}, "x", 0, duration=5.0, __parallel__=True),
        state("b", "test.nop", "b", True, {}, "x", 1, duration="7.5 ms", __parallel__=True),
        state("c", "test.nop", "c", True, {}, "x", 2, duration=1.0),
    )}, {}, 0),
    # Changes in other shapes.
    ("oracle.changes-shapes", {"m1": states(
        state("a", "test.nop", "a", True, ["l1", {"k": "v"}], "list changes", 0),
        state("b", "test.nop", "b", True, "text changes", "string changes", 1),
        state("c", "test.nop", "c", True, 5, "int changes", 2),
        state("d", "test.nop", "d", True, {"diff": "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y  \n"},
              "diff with trailing blanks", 3),
        state("e", "test.nop", "e", True, {"ret": None, "out": "highstate"}, "ret none", 4),
        state("f", "test.nop", "f", True, {"\x1b[31mkey": "\x1b[32mvalue"}, "escapes", 5),
    )}, {"color": True}, 0),
    ("oracle.nested-highstate", {"m1": states(
        state("orch", "salt.state", "run it", True, {
            "out": "highstate",
            "ret": {
                "minion1": states(state("a", "test.nop", "a", True, {"x": 1}, "inner", 0)),
                "minion2": ["inner compile error"],
            },
        }, "Run the highstate on minion1", 0),
        state("after", "test.nop", "after", False, {}, "after", 1),
    )}, {}, 1),
    ("oracle.nested-highstate.color", {"m1": states(
        state("orch", "salt.state", "run it", True, {
            "out": "highstate",
            "ret": {"minion1": states(state("a", "test.nop", "a", None, {}, "inner", 0))},
        }, "Run", 0),
    )}, {"color": True, "state_output": "terse"}, 0),
    ("oracle.orchestration", {"master_master": states(
        state("step", "salt.state", "state.orchestrate", True, {
            "master_master": states(
                state("inner", "salt.function", "state.sls", True, {
                    "minion1": states(state("x", "test.nop", "x", True, {"k": "v"}, "deep", 0)),
                }, "inner step", 0),
            ),
        }, "outer step", 0),
        state("plain", "salt.function", "state.sls", True, "text result", "string", 1),
        state("empty", "salt.function", "state.orch", True, {}, "nothing", 2),
    )}, {}, 0),
    ("oracle.warnings-shapes", {"m1": states(
        state("a", "test.nop", "a", True, {}, "x", 0, warnings="abc"),
        state("b", "test.nop", "b", True, {}, "x", 1, warnings=[]),
        state("c", "test.nop", "c", True, {}, "x", 2, warnings=[
            "tabs\tand\nnewlines\rand\x0bothers\x0c" + "w" * 90,
            "em--dash and -leading, trailing- hyphens, well--known, a-b-c-d-e-f, x--y "
            "1-2 3--4 under_score-word " + "z-" * 40,
            "non\xa0breaking and unicode Ünïcödé-wörds ok",
            "{braces} in {0} a warning",
        ]),
        state("d", "test.nop", "d", True, {}, "x", 3, warnings=["{1}"]),
    )}, {"state_output": "full"}, 0),
    ("oracle.warnings-terse-braces", {"m1": states(
        state("a", "test.nop", "a", True, {}, "x", 0, warnings=["{1} and {6[name]}"]),
    )}, {"state_output": "terse"}, 0),
    ("oracle.result-none-color", {"m1": states(
        state("a", "test.nop", "a", None, {"x": 1}, "would change", 0),
        state("b", "test.nop", "b", True, {}, "fine", 1),
    )}, {"color": True, "state_output": "mixed"}, 0),
    ("oracle.host-escape", {"m\x1b[1m1": states(
        state("a", "test.nop", "a", True, {}, "comment \x1b[1m kept", 0))},
     {"color": True}, 0),
    ("oracle.tag-with-separator", {"m1": {
        "cmd_|-id_|-echo _|- x_|-run": state("id", "cmd.run", "x", True, {}, "c", 0)[1],
    }}, {}, 0),
    ("oracle.tag-with-separator.terse", {"m1": {
        "cmd_|-id_|-echo _|- x_|-run": state("id", "cmd.run", "x", True, {}, "c", 0)[1],
    }}, {"state_output": "terse_id"}, 0),
    ("oracle.filter-lists", {"m1": states(
        state("a", "test.nop", "a", True, {}, "t", 0),
        state("b", "test.nop", "b", False, {}, "f", 1),
        state("c", "test.nop", "c", None, {}, "n", 2),
        state("d", "test.nop", "d", True, {"x": 1}, "tc", 3),
    )}, {"state_output": "Filter", "state_output_exclude": ["None"],
         "state_output_terse": "True"}, 1),
    ("oracle.unknown-mode", {"m1": states(state("a", "test.nop", "a", True, {}, "t", 0))},
     {"state_output": "fancy"}, 0),
    ("oracle.tabular-widths", {"m1": states(
        state("a_really_long_identifier", "averyverylongmodule.averyverylongfunction",
              "a really long name", True, {"x": 1}, "t", 0, duration=12345.678),
        state("b", "t.f", "b", None, {}, "n", 1, warnings=["w1", "w2"]),
    )}, {"state_output": "terse", "state_tabular": True}, 0),
    ("oracle.tabular-format", {"m1": states(
        state("a", "test.nop", "a", True, {"x": 1}, "t", 0),
        state("b", "test.nop", "b", False, {}, "n", 1),
    )}, {"state_output": "terse",
         "state_tabular": "{{{0}}} {1:*^12} {2!s:>8}.{3!r} {4:.3} {6[duration]:8.2f} "
                          "{6[__run_num__]:+05d} {6[result]} {6[result]:>6}"
                          " {6[duration]!s:<9}| {6[__run_num__]:x}{5}"}, 0),
    ("oracle.compress-ids", {"m1": states(
        state("x", "test.nop", "n1", True, {"a": 1}, "c1", 2, duration=1.5),
        state("x", "test.nop", "n2", True, {}, "c2", 0, duration=2.25),
        state("x", "test.nop", "n3", True, {"b": 2}, "c3", 1, duration=3.0),
        state("x", "test.nop", "n4", False, {}, "c4", 3, duration=4.0),
        state("y", "test.nop", "n5", True, {}, "c5", 4, duration=5.0),
    )}, {"state_compress_ids": True, "state_output": "full"}, 1),
    ("oracle.compress-ids.terse_id", {"m1": states(
        state("x", "test.nop", "n1", True, {"a": 1}, "c1", 2, duration=1.5),
        state("x", "test.nop", "n2", True, {}, "c2", 0, duration=2.25),
        state("x", "test.nop", "n3", True, {"b": 2}, "c3", 1, duration=3.0),
        state("x", "test.nop", "n4", False, {}, "c4", 3, duration=4.0),
    )}, {"state_compress_ids": True, "state_output": "terse_id"}, 1),
]


def reference_run():
    """The real state run in tests/golden/highstate.json.txt (shared/salt-reference)."""
    with open(os.path.join(OUT, "..", "highstate.json.txt"), encoding="utf-8") as f:
        text = "".join(l for l in f if not l.startswith(("ERROR: ", "[exit code: ")))
    return json.loads(text)


ORACLE += [
    ("oracle.reference-run", reference_run(), {}, 2),
    ("oracle.reference-run.terse", reference_run(), {"state_output": "terse"}, 2),
    ("oracle.reference-run.color", reference_run(), {"color": True}, 2),
    ("oracle.reference-run.changes_id", reference_run(), {"state_output": "changes_id"}, 2),
]


def capture_oracle(name, data, opts_in, retcode):
    opts = salt.config.minion_config(None)
    opts.update(opts_in)
    opts.setdefault("color", False)
    original = json.loads(json.dumps(data))
    text = salt.output.try_printout(json.loads(json.dumps(data)), "highstate", opts,
                                    _retcode=retcode)
    printed = text + "\n" if text else ""
    write_case(name, original, printed, dict(opts_in, color=opts["color"]), retcode)
    print(f"{name}: oracle")


def main():
    only = sys.argv[1:]
    for name, args, config in CALLS:
        if not only or name in only:
            capture_call(name, args, config)
    for name, data, opts, retcode in ORACLE:
        if not only or name in only:
            capture_oracle(name, data, opts, retcode)


if __name__ == "__main__":
    main()
