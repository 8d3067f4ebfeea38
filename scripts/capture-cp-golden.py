#!/usr/bin/env python3
"""Regenerate crates/exec/tests/cp/golden/ from the real Salt 3007.8.

Builds the lab tree from crates/exec/tests/cp/tree/ (plus the empty
directories and symlinks git cannot hold, made the same way by the Rust
test), writes a masterless minion config with two base roots and a dev
root, then runs every case of crates/exec/tests/cp/cases.txt through
`salt-call --local --out json` in order, against one minion cache, with
<LAB>/out emptied before each case. Each golden file records the
arguments, Salt's exit code, its JSON return and the files the case left
under <LAB>/out; the lab path is written as <LAB>.

    SALT_LAB_DIR=/tmp/lab-$USER scripts/capture-cp-golden.py [CASE...]

Needs the salt-lab virtualenv (../shared/tools/salt-lab install).
"""

import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(HERE, "..", "crates", "exec", "tests", "cp")
LAB = os.path.abspath(os.environ.get("SALT_LAB_DIR", "/tmp/lab-cp-golden"))
VENV = os.environ.get("SALT_LAB_VENV", "/tmp/salt-lab/venv")


def build_lab():
    if os.path.exists(LAB):
        shutil.rmtree(LAB)
    srv = os.path.join(LAB, "srv")
    shutil.copytree(os.path.join(CASES_DIR, "tree"), srv)
    a = os.path.join(srv, "a")
    os.makedirs(os.path.join(a, "emptydir"))
    os.makedirs(os.path.join(a, "keepalived", "emptysub"))
    os.symlink("keepalived/keepalived.conf", os.path.join(a, "link_in"))
    os.symlink("keepalived", os.path.join(a, "dirlink_in"))
    cfg = os.path.join(LAB, "cfg")
    os.makedirs(cfg)
    with open(os.path.join(cfg, "minion"), "w") as f:
        f.write(
            f"""root_dir: {LAB}/root
id: local
user: {os.environ.get("USER", "root")}
log_level: critical
file_client: local
fileserver_list_cache_time: 0
file_roots:
  base:
    - {srv}/a
    - {srv}/b
  dev:
    - {srv}/dev
"""
        )


def cases():
    with open(os.path.join(CASES_DIR, "cases.txt")) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, args = line.split("\t", 1)
            yield name, args.split(" ")


def written(out):
    files = {}
    for root, dirs, names in os.walk(out):
        for d in dirs:
            p = os.path.join(root, d)
            if not os.listdir(p):
                files[os.path.relpath(p, out) + "/"] = None
        for n in names:
            p = os.path.join(root, n)
            with open(p, encoding="utf-8", errors="replace") as f:
                files[os.path.relpath(p, out)] = f.read()
    return dict(sorted(files.items()))


def main(only):
    build_lab()
    golden = os.path.join(CASES_DIR, "golden")
    os.makedirs(golden, exist_ok=True)
    out = os.path.join(LAB, "out")
    for name, args in cases():
        if os.path.exists(out):
            shutil.rmtree(out)
        os.makedirs(out)
        real = [a.replace("<LAB>", LAB) for a in args]
        proc = subprocess.run(
            [f"{VENV}/bin/salt-call", "-c", f"{LAB}/cfg", "--local", "--out", "json", *real],
            capture_output=True,
            text=True,
        )
        try:
            ret = json.loads(proc.stdout)["local"]
        except (ValueError, KeyError):
            ret = {"stdout": proc.stdout}
        if only and name not in only:
            continue
        doc = {
            "args": args,
            "exit": proc.returncode,
            "return": ret,
            "written": written(out),
        }
        text = json.dumps(doc, indent=2, ensure_ascii=False).replace(LAB, "<LAB>")
        with open(os.path.join(golden, name + ".json"), "w") as f:
            f.write(text + "\n")
        print(f"{name}: exit {proc.returncode}")


if __name__ == "__main__":
    main(set(sys.argv[1:]))
