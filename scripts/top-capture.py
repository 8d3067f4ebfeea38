"""Capture the real Salt's state top file handling for salt-state's top tests.

Run with the salt-lab interpreter (scripts/top-capture.sh does):
    /tmp/salt-lab/venv/bin/python scripts/top-capture.py CASE.case... OUTDIR

Each case file holds a `--- meta` JSON section and `--- file PATH` sections
(see crates/state/tests/top/README.md). For every case this script writes
the files under a temporary directory, builds masterless minion options
(Salt's defaults, `file_client: local`, `file_roots` from the case's
`roots`, the case's `opts`, grains and pillar) and does what
`state.show_top` does: `HighState.get_top()`, `verify_tops()`, then
`top_matches()`.

OUTDIR/<case>.json gets {"top": merged top, "show_top": matches or the
list of verify_tops errors}, or {"salt_exception": "..."} when Salt fails.
The temporary directory's path is written as ROOT. Each case runs in a
forked child.
"""

import json
import os
import re
import shutil
import sys
import tempfile

import salt.config
import salt.state

ROOT_SHOWN = "ROOT"


def parse_case(path):
    meta, files, cur = {}, [], None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    meta_lines = []
    for line in lines:
        if line.startswith("--- meta"):
            cur = meta_lines
            continue
        if line.startswith("--- file "):
            body = []
            files.append((line[len("--- file "):].strip(), body))
            cur = body
            continue
        if cur is not None:
            cur.append(line)
    if meta_lines:
        meta = json.loads("\n".join(meta_lines))
    return meta, [(name, "".join(line + "\n" for line in body)) for name, body in files]


def plain(obj):
    """OrderedDicts and defaultdicts as plain JSON data, order kept."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def run_case(case_path, defaults):
    meta, files = parse_case(case_path)
    work = os.path.realpath(tempfile.mkdtemp(prefix="top-capture-"))
    for name, body in files:
        dest = os.path.join(work, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w", encoding="utf-8") as f:
            f.write(body)
    roots = meta.get("roots", {"base": ["base"]})
    opts = salt.config.minion_config(None)
    opts.update(
        root_dir=work,
        cachedir=os.path.join(work, ".cache"),
        file_client="local",
        id=meta.get("id", "minion1"),
        file_roots={
            env: [os.path.join(work, d) for d in dirs] for env, dirs in roots.items()
        },
        pillar_roots={"base": [os.path.join(work, ".pillar")]},
    )
    opts.update(meta.get("opts", {}))
    grains = dict(defaults["grains"])
    grains.update(meta.get("grains", {}))
    grains["id"] = opts["id"]
    opts["grains"] = grains
    pillar = meta.get("pillar", {})
    opts["pillar"] = pillar
    try:
        st_ = salt.state.HighState(opts, initial_pillar=pillar)
        with st_:
            top = st_.get_top()
            errors = st_.verify_tops(top)
            shown = plain(top)
            result = {"top": shown}
            if errors:
                result["show_top"] = errors
            else:
                result["show_top"] = plain(st_.top_matches(top))
    except Exception as exc:  # Salt fails outright on some inputs
        result = {"salt_exception": f"{type(exc).__name__}: {exc}"}
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    text = text.replace(work, ROOT_SHOWN)
    shutil.rmtree(work, ignore_errors=True)
    return text


def main():
    *cases, outdir = sys.argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    defaults_path = os.path.join(here, "..", "crates", "state", "tests", "top", "_defaults.json")
    with open(defaults_path, encoding="utf-8") as f:
        defaults = json.load(f)
    os.makedirs(outdir, exist_ok=True)
    for case in cases:
        name = re.sub(r"\.case$", "", os.path.basename(case))
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            try:
                text = run_case(case, defaults)
            except BaseException as exc:  # report, never hang the parent
                text = json.dumps({"capture_failed": repr(exc)})
            with os.fdopen(wfd, "w", encoding="utf-8") as w:
                w.write(text)
            os._exit(0)
        os.close(wfd)
        with os.fdopen(rfd, encoding="utf-8") as r:
            text = r.read()
        os.waitpid(pid, 0)
        with open(os.path.join(outdir, name + ".json"), "w", encoding="utf-8") as f:
            f.write(text + "\n")
        print(name)


if __name__ == "__main__":
    main()
