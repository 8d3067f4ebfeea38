"""What the case-capture scripts (pillar-capture.py, top-capture.py,
render-capture.py) share: reading a `.case` file, writing its files out, and
the driver that runs every case in a forked child and writes
OUTDIR/<case>.json.

A case file holds a `--- meta` JSON section and `--- file PATH` sections;
every line of a section ends with a newline, the last one too.

The scripts run as `python scripts/NAME.py`, so this directory is on
sys.path and `import capture_cases` finds this module.
"""

import json
import os
import re
import shutil
import sys


def parse_case(path):
    """(meta dict, [(file name, text)]) of the case file at `path`."""
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


def write_files(base, files):
    """Writes each (name, text) of a case under the directory `base`."""
    for name, body in files:
        dest = os.path.join(base, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w", encoding="utf-8") as f:
            f.write(body)


def finish(result, work, *masks):
    """The capture's text: `result` as indented JSON, each (path, shown) of
    `masks` replaced in turn, after which the case's directory `work` is
    removed."""
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    for path, shown in masks:
        text = text.replace(path, shown)
    shutil.rmtree(work, ignore_errors=True)
    return text


def main(run_case, defaults_path):
    """`SCRIPT CASE.case... OUTDIR`: `run_case(case_path, defaults)` for each
    case, in a forked child so no state leaks between cases; its text goes
    to OUTDIR/<case>.json. `defaults_path` is relative to the repository
    root and holds the JSON `defaults` given to every case."""
    *cases, outdir = sys.argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", defaults_path), encoding="utf-8") as f:
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
