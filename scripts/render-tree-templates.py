"""Renders every Jinja template that a host's file.managed states name,
with the real Salt, into tests/golden/tree/<host>/rendered/<target path>.

Run by scripts/capture-tree.sh with salt-lab's Python:

    render-tree-templates.py CONFIG_DIR HOST STATES PILLAR STATES_JSON OUT_DIR [PILLAR_JSON]

STATES_JSON is a capture of state.show_lowstate (a list of low chunks) or of
state.show_sls (high data, turned into chunks here); PILLAR_JSON is the
pillar override the capture was made with, if any.

test=True reports only "newfile" for a file that does not exist yet, so the
highstate captures never show what the templates produce; these renders do.
Each one is what `cp.get_template` makes of the state's `source` with its
`defaults` overlaid by its `context` (the same variables file.managed hands
the template, plus Salt's grains, pillar, salt and opts).
"""

import json
import os
import sys

import salt.client
import salt.config
import salt.utils.dictupdate


def chunks_of(data):
    """Low chunks from a show_lowstate list or a show_sls high-data dict."""
    if isinstance(data, list):
        return data
    chunks = []
    for state_id, body in data.items():
        for module, items in body.items():
            if module.startswith("__"):
                continue
            chunk = {"state": module, "__id__": state_id, "name": state_id}
            for item in items:
                if isinstance(item, str):
                    chunk["fun"] = item
                else:
                    chunk.update(item)
            chunks.append(chunk)
    return chunks


def main():
    config_dir, host, states, pillar, lowstate_path, out_dir = sys.argv[1:7]
    override = json.loads(sys.argv[7]) if len(sys.argv) > 7 else None
    opts = salt.config.minion_config(os.path.join(config_dir, "minion"))
    opts.update(
        {
            "id": host,
            "file_client": "local",
            "file_roots": {"base": [states]},
            "pillar_roots": {"base": [pillar]},
        }
    )
    caller = salt.client.Caller(mopts=opts)
    if override:
        caller.sminion.opts["pillar"] = salt.utils.dictupdate.merge(
            caller.sminion.opts["pillar"], override
        )
    with open(lowstate_path, encoding="utf-8") as f:
        chunks = chunks_of(json.load(f)["local"])
    rendered = []
    for chunk in chunks:
        if chunk.get("state") != "file" or chunk.get("fun") != "managed":
            continue
        if chunk.get("template") != "jinja" or not chunk.get("source"):
            continue
        context = dict(chunk.get("defaults") or {})
        context.update(chunk.get("context") or {})
        dest = os.path.join(out_dir, chunk["name"].lstrip("/"))
        if override:
            context.setdefault("pillar", caller.sminion.opts["pillar"])
        result = caller.cmd(
            "cp.get_template", chunk["source"], dest, "jinja", makedirs=True, **context
        )
        if not result:
            print(f"  {chunk['name']}: template did not render", file=sys.stderr)
            sys.exit(1)
        rendered.append(chunk["name"])
    print(f"  rendered {len(rendered)} templates")


if __name__ == "__main__":
    main()
