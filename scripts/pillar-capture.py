"""Capture the real Salt's pillar compilation for salt-pillar's golden tests.

Run with the salt-lab interpreter (scripts/pillar-capture.sh does):
    /tmp/salt-lab/venv/bin/python scripts/pillar-capture.py CASE.case... OUTDIR

Each case file holds a `--- meta` JSON section and `--- file PATH` sections
(see crates/pillar/tests/README.md). For every case this script writes the
files under a temporary directory, builds master options (Salt's defaults,
`pillar_roots` from the case's `roots`, the case's `opts`) and compiles the
pillar exactly as the master does for a minion's pillar request
(`salt.master.AESFuncs._pillar`): `grains['id']` set to the minion id, then
`salt.pillar.get_pillar(opts, grains, id, saltenv, pillar_override=...,
pillarenv=...).compile_pillar()`.

The result is written to OUTDIR/<case>.json. The temporary directory's path
is written as ROOT, so captures do not depend on where they were made. Each
case runs in a forked child, so no state leaks between cases.
"""

import json
import os
import re
import shutil
import sys
import tempfile

import salt.config
import salt.pillar

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
    # Every line of a section ends with a newline, the last one too.
    return meta, [(name, "".join(line + "\n" for line in body)) for name, body in files]


def compile_case(case_path, defaults):
    meta, files = parse_case(case_path)
    work = os.path.realpath(tempfile.mkdtemp(prefix="pillar-capture-"))
    for name, body in files:
        dest = os.path.join(work, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w", encoding="utf-8") as f:
            f.write(body)
    roots = meta.get("roots", {"base": ["base"]})
    opts = salt.config.master_config(None)
    opts.update(
        root_dir=work,
        cachedir=os.path.join(work, ".cache"),
        file_roots={"base": [os.path.join(work, ".states")]},
        pillar_roots={
            env: [os.path.join(work, d) for d in dirs] for env, dirs in roots.items()
        },
    )
    opts.update(meta.get("opts", {}))
    minion_id = meta.get("id", "minion1")
    grains = dict(defaults["grains"])
    grains.update(meta.get("grains", {}))
    grains["id"] = minion_id
    pillar = salt.pillar.get_pillar(
        opts,
        grains,
        minion_id,
        meta.get("saltenv"),
        pillar_override=meta.get("overrides", {}),
        pillarenv=meta.get("pillarenv"),
    )
    try:
        result = pillar.compile_pillar()
    except Exception as exc:  # Salt fails outright on some inputs
        result = {"salt_exception": f"{type(exc).__name__}: {exc}"}
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    text = text.replace(work, ROOT_SHOWN)
    shutil.rmtree(work, ignore_errors=True)
    return text


def main():
    *cases, outdir = sys.argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    defaults_path = os.path.join(here, "..", "crates", "pillar", "tests", "cases", "_defaults.json")
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
                text = compile_case(case, defaults)
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
