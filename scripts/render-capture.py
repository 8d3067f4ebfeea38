"""Capture the real Salt's renderer output for salt-render's golden tests.

Run with the salt-lab interpreter (scripts/render-capture.sh does):
    /tmp/salt-lab/venv/bin/python scripts/render-capture.py CASE.case... OUTDIR

Each case file holds a `--- meta` JSON section and `--- file PATH` sections
(see crates/render/tests/README.md). For every case this script writes a
file tree, points a masterless minion's opts at it (fixed grains and pillar
from crates/render/tests/inputs/_defaults.json, merged with the case's), and
renders the first file the way Salt does it:

* mode "sls" (default): salt.template.compile_template on the file as cached
  by the file client, with the SLS name; the same call HighState.render_state
  makes for state.sls / state.show_sls.
* mode "template": the jinja entry of salt.utils.templates.TEMPLATE_REGISTRY,
  called the way file.managed calls it (name, source, saltenv, context).

The result is written to OUTDIR/<case>.json as {"ok": data} or
{"error": "<Salt's message>", "line": N}. Paths under the case's cache dir
are replaced by /var/cache/salt/minion so captures do not depend on where
they were made. Each case renders in a forked child, so no state leaks.
"""

import os
import tempfile

import capture_cases
import salt.config
import salt.fileclient
import salt.loader
import salt.template
import salt.utils.templates
from salt.exceptions import SaltRenderError

CACHE_SHOWN = "/var/cache/salt/minion"
ROOT_SHOWN = "/srv/salt"


def deep_merge(a, b):
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def default_sls(path):
    p = path[:-4] if path.endswith(".sls") else path
    if p.endswith("/init"):
        p = p[: -len("/init")]
    return p.replace("/", ".")


def render_case(case_path, defaults):
    meta, files = capture_cases.parse_case(case_path)
    work = tempfile.mkdtemp(prefix="render-capture-")
    root = os.path.join(work, "root")
    cache = os.path.join(work, "cache")
    capture_cases.write_files(root, files)
    os.makedirs(cache, exist_ok=True)
    opts = salt.config.minion_config(None)
    opts.update(
        file_client="local",
        file_roots={"base": [root]},
        pillar_roots={"base": [os.path.join(work, "pillar")]},
        cachedir=cache,
        id="minion1",
    )
    opts.update(meta.get("opts", {}))
    opts["grains"] = deep_merge(defaults["grains"], meta.get("grains", {}))
    opts["pillar"] = deep_merge(defaults["pillar"], meta.get("pillar", {}))
    saltenv = meta.get("saltenv", "base")
    main = files[0][0]
    utils = salt.loader.utils(opts)
    funcs = salt.loader.minion_mods(opts, utils=utils)
    rend = salt.loader.render(opts, funcs)
    client = salt.fileclient.get_file_client(opts)
    fn_ = client.cache_file("salt://" + main, saltenv)
    mode = meta.get("mode", "sls")
    try:
        if mode == "sls":
            sls = meta.get("sls", default_sls(main))
            data = salt.template.compile_template(
                fn_,
                rend,
                opts["renderer"],
                opts["renderer_blacklist"],
                opts["renderer_whitelist"],
                saltenv,
                sls,
                rendered_sls=set(),
            )
            result = {"ok": data}
        elif mode == "template":
            ctx = dict(meta.get("extra", {}))
            data = salt.utils.templates.TEMPLATE_REGISTRY["jinja"](
                fn_,
                to_str=True,
                name=meta.get("name", "/tmp/managed"),
                source="salt://" + main,
                user=None,
                group=None,
                mode=None,
                attrs=None,
                saltenv=saltenv,
                context=ctx,
                salt=funcs,
                pillar=opts["pillar"],
                grains=opts["grains"],
                opts=opts,
            )
            if data.get("result"):
                result = {"ok": data["data"]}
            else:
                result = {"error": data["data"]}
        else:
            raise SystemExit(f"{case_path}: unknown mode {mode}")
    except SaltRenderError as exc:
        result = {"error": str(exc), "line": exc.line_num}
    except Exception as exc:  # the state system reports these too
        result = {"error": f"{type(exc).__name__}: {exc}"}
    return capture_cases.finish(result, work, (cache, CACHE_SHOWN), (root, ROOT_SHOWN))


if __name__ == "__main__":
    capture_cases.main(render_case, "crates/render/tests/inputs/_defaults.json")
