"""Regenerate tests/golden/oracle/*: what Salt 3007's yaml, pprint, raw and txt
outputters print for the data in the golden JSON captures, computed with the
same Python calls those outputters make (PyYAML with libyaml, as Salt's
SafeOrderedDumper; pprint.pformat; str(); the txt loop), plus
`--out-indent` variants. Needs PyYAML built with libyaml.

Run from crates/output: python3 tools/oracle.py
"""
import json, pprint, os, re

import yaml


class SafeOrderedDumper(yaml.CSafeDumper):
    # Salt's SafeOrderedDumper keeps PyYAML's timestamp resolver: a date-like
    # string is quoted (`salt-call --out yaml test.echo 2024-01-01`).
    pass


def yaml_out(data, indent=None):
    params = {}
    if indent is None:
        params.update(default_flow_style=False)
    elif indent >= 0:
        params.update(default_flow_style=False, indent=indent)
    else:
        params.update(default_flow_style=True, indent=0)
    return yaml.dump(data, Dumper=SafeOrderedDumper, allow_unicode=True, **params)


def txt_out(data):
    ret = ""
    for key in data:
        value = data[key]
        try:
            for line in value.splitlines():
                ret += f"{key}: {line}\n"
        except AttributeError:
            ret += f"{key}: {value}\n"
    return ret


def printed(text):
    text = text.rstrip()
    return text + "\n" if text else ""


def load(name):
    with open(f"tests/golden/{name}", encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"(?m)^(ERROR: .*|\[exit code: \d+\])\n?", "", text)
    return json.loads(text)


os.makedirs("tests/golden/oracle", exist_ok=True)
for src in ["grains.items.json.txt", "highstate.json.txt", "show_sls.json.txt"]:
    data = load(src)
    base = src.split(".json")[0]
    outs = {
        "yaml": yaml_out(data),
        "yaml-indent4": yaml_out(data, 4),
        "yaml-flow": yaml_out(data, -1),
        "pprint": pprint.pformat(data),
        "pprint-indent4": pprint.pformat(data, indent=4),
        "raw": str(data),
        "txt": txt_out(data),
    }
    for kind, text in outs.items():
        with open(f"tests/golden/oracle/{base}.{kind}.txt", "w", encoding="utf-8") as f:
            f.write(printed(text))
