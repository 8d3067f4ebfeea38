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

import os
import tempfile

import capture_cases
import salt.config
import salt.pillar

ROOT_SHOWN = "ROOT"


def compile_case(case_path, defaults):
    meta, files = capture_cases.parse_case(case_path)
    work = os.path.realpath(tempfile.mkdtemp(prefix="pillar-capture-"))
    capture_cases.write_files(work, files)
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
    return capture_cases.finish(result, work, (work, ROOT_SHOWN))


if __name__ == "__main__":
    capture_cases.main(compile_case, "crates/pillar/tests/cases/_defaults.json")
