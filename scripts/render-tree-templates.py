"""Renders every Jinja template that a host's file.managed states name,
with the real Salt, into tests/golden/tree/<host>/rendered/<target path>.

Run by scripts/capture-tree.sh with salt-lab's Python:

    render-tree-templates.py CONFIG_DIR HOST STATES PILLAR LOWSTATE_JSON OUT_DIR

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


def main():
    config_dir, host, states, pillar, lowstate_path, out_dir = sys.argv[1:7]
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
    with open(lowstate_path, encoding="utf-8") as f:
        chunks = json.load(f)["local"]
    rendered = []
    for chunk in chunks:
        if chunk.get("state") != "file" or chunk.get("fun") != "managed":
            continue
        if chunk.get("template") != "jinja" or not chunk.get("source"):
            continue
        context = dict(chunk.get("defaults") or {})
        context.update(chunk.get("context") or {})
        dest = os.path.join(out_dir, chunk["name"].lstrip("/"))
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
