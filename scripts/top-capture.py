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

import os
import tempfile

import capture_cases
import salt.config
import salt.state

ROOT_SHOWN = "ROOT"


def plain(obj):
    """OrderedDicts and defaultdicts as plain JSON data, order kept."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def run_case(case_path, defaults):
    meta, files = capture_cases.parse_case(case_path)
    work = os.path.realpath(tempfile.mkdtemp(prefix="top-capture-"))
    capture_cases.write_files(work, files)
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
    return capture_cases.finish(result, work, (work, ROOT_SHOWN))


if __name__ == "__main__":
    capture_cases.main(run_case, "crates/state/tests/top/_defaults.json")
