"""Capture the real Salt's answers to pillar.*, grains.filter_by, defaults.*
and slsutil.merge/update calls, for salt-exec's golden tests.

Run with the salt-lab interpreter (scripts/pillar-exec-capture.sh does):
    /tmp/salt-lab/venv/bin/python scripts/pillar-exec-capture.py

Reads crates/exec/tests/pillar/calls.txt (one shell-quoted salt-call
command line per line: function and arguments), runs each as
    salt-call -c CONF --local --out json -l quiet --retcode-passthrough ...
on a masterless minion whose pillar_roots is crates/exec/tests/pillar/tree
and whose grains are crates/exec/tests/pillar/grains.json (id `minion1`),
and writes crates/exec/tests/pillar/expected.json: a list of
{"argv": [...], "retcode": N, "return": <the "local" value>}; when Salt
printed no JSON (a failed call), "return" is {"__unparsed__": "<stdout>",
"__stderr__": "<stderr>"}.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASE = os.path.join(HERE, "..", "crates", "exec", "tests", "pillar")


def main():
    salt_call = os.path.join(os.path.dirname(sys.executable), "salt-call")
    work = tempfile.mkdtemp(prefix="pillar-exec-capture-")
    with open(os.path.join(CASE, "grains.json"), encoding="utf-8") as f:
        grains = json.load(f)
    conf = {
        "id": "minion1",
        "root_dir": os.path.join(work, "root"),
        "file_client": "local",
        "file_roots": {"base": [os.path.join(work, "states")]},
        "pillar_roots": {"base": [os.path.realpath(os.path.join(CASE, "tree"))]},
        "grains": grains,
        "log_level": "quiet",
    }
    os.makedirs(os.path.join(work, "conf"))
    with open(os.path.join(work, "conf", "minion"), "w", encoding="utf-8") as f:
        json.dump(conf, f)
    results = []
    with open(os.path.join(CASE, "calls.txt"), encoding="utf-8") as f:
        lines = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    for line in lines:
        argv = shlex.split(line)
        cmd = [salt_call, "-c", os.path.join(work, "conf"), "--local", "--out", "json",
               "-l", "quiet", "--retcode-passthrough", *argv]
        p = subprocess.run(cmd, capture_output=True, text=True, check=False)
        try:
            ret = json.loads(p.stdout)["local"]
        except (ValueError, KeyError):
            ret = {"__unparsed__": p.stdout, "__stderr__": p.stderr}
        results.append({"argv": argv, "retcode": p.returncode, "return": ret})
        print(line, "->", p.returncode)
    shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(CASE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
