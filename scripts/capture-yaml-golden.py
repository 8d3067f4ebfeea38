"""Regenerate crates/yaml/tests/golden/{load,dump}/*.json from real Salt.

Load cases: every `=== name` section of tests/golden/load/*.cases is loaded
the way Salt 3007's YAML renderer loads an SLS or pillar file (after Jinja):
salt.utils.yamlloader.load with SaltYamlSafeLoader(dictclass=OrderedDict).
The result (or the exception) is written next to the input in <topic>.json.

Dump cases: each value in tests/golden/dump/*.cases.json goes through
salt.utils.yaml.safe_dump with default_flow_style None/True/False, the Jinja
`yaml` filter (format_yaml, flow_style True and False), and the
yaml_dquote/yaml_squote/yaml_encode filters.

Run with Salt's Python (the salt-lab venv); tests never call Salt:
    /tmp/salt-lab/venv/bin/python scripts/capture-yaml-golden.py
"""
import codecs
import collections
import glob
import json

import jinja2
import math
import os
import sys

import salt.utils.jinja
import salt.utils.yaml
import salt.utils.yamlencoding
import salt.utils.yamlloader as yamlloader
import salt.version
import yaml
from salt.utils.odict import OrderedDict

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "yaml", "tests", "golden")


def parse_cases(path):
    """`=== name [escaped] [-eol]` headers; the text up to the next header."""
    cases = collections.OrderedDict()
    name, flags, lines = None, (), []

    def finish():
        if name is None:
            return
        text = "".join(lines)
        if "-eol" in flags and text.endswith("\n"):
            text = text[:-1]
        if "escaped" in flags:
            text = codecs.decode(text, "unicode_escape")
        if name in cases:
            sys.exit(f"{path}: case {name} twice")
        cases[name] = text

    with open(path, encoding="utf-8", newline="") as f:
        for line in f:
            if line.startswith("=== "):
                finish()
                words = line[4:].split()
                name, flags, lines = words[0], tuple(words[1:]), []
            elif name is not None:
                lines.append(line)
    finish()
    return cases


def salt_load(text):
    loader = lambda stream: yamlloader.SaltYamlSafeLoader(stream, dictclass=OrderedDict)
    return yamlloader.load(text, Loader=loader)


def to_json(v, open_ids=()):
    """Python data as JSON; what JSON cannot hold is tagged with "$py"."""
    if isinstance(v, (dict, list, tuple)):
        if id(v) in open_ids:
            return {"$py": "recursive"}
        open_ids = open_ids + (id(v),)
    if isinstance(v, dict):
        out = collections.OrderedDict()
        for k, val in v.items():
            if isinstance(k, bytes):
                k = k.decode("utf-8", "replace")
            # The text json.dumps gives the key (1 -> "1", True -> "true").
            kt = next(iter(json.loads(json.dumps({k: 0}))))
            out[kt] = to_json(val, open_ids)
        return out
    if isinstance(v, (list, tuple)):
        return [to_json(x, open_ids) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        if -(2**63) <= v < 2**64:
            return v
        return {"$py": "int", "repr": repr(v)}
    if isinstance(v, float):
        if math.isfinite(v):
            return v
        return {"$py": "float", "repr": repr(v)}
    if isinstance(v, bytes):
        try:
            utf8 = v.decode("utf-8")
        except UnicodeDecodeError:
            utf8 = None
        return {"$py": "bytes", "repr": repr(v), "utf8": utf8}
    if isinstance(v, (set, frozenset)):
        return {"$py": "set", "items": sorted(to_json(x) for x in v)}
    return {"$py": type(v).__name__, "repr": repr(v)}


def capture_load(text):
    try:
        value = salt_load(text)
    except yaml.MarkedYAMLError as e:
        err = {"type": type(e).__name__, "problem": e.problem, "context": e.context}
        if e.problem_mark is not None:
            err["line"] = e.problem_mark.line + 1
            err["col"] = e.problem_mark.column + 1
        return {"error": err}
    except Exception as e:  # noqa: BLE001 - Salt lets these escape too
        return {"error": {"type": type(e).__name__, "message": str(e)}}
    return {"value": to_json(value), "repr": repr(value)}


def jinja_filters():
    return salt.utils.jinja.SerializerExtension(jinja2.Environment())


def capture_dump(value, ordered):
    out = collections.OrderedDict()
    for name, style in (("default", None), ("flow", True), ("block", False)):
        out[name] = salt.utils.yaml.safe_dump(value, default_flow_style=style)
    if not ordered:
        ext = jinja_filters()
        out["yaml_filter"] = str(ext.format_yaml(value))
        out["yaml_filter_false"] = str(ext.format_yaml(value, flow_style=False))
        try:
            out["yaml_encode"] = salt.utils.yamlencoding.yaml_encode(value)
        except TypeError as e:
            out["yaml_encode_error"] = str(e)
        if isinstance(value, str):
            out["yaml_dquote"] = salt.utils.yamlencoding.yaml_dquote(value)
            out["yaml_squote"] = salt.utils.yamlencoding.yaml_squote(value)
    return out


def main():
    header = {"salt": salt.version.__version__, "pyyaml": yaml.__version__,
              "libyaml": yaml._yaml.get_version_string()}
    for path in sorted(glob.glob(os.path.join(ROOT, "load", "*.cases"))):
        cases = collections.OrderedDict()
        for name, text in parse_cases(path).items():
            cases[name] = {"input": text, **capture_load(text)}
        write(path[: -len(".cases")] + ".json", {"captured_with": header, "cases": cases})
    for path in sorted(glob.glob(os.path.join(ROOT, "dump", "*.cases.json"))):
        with open(path, encoding="utf-8") as f:
            plain = json.load(f)
        with open(path, encoding="utf-8") as f:
            ordered = json.load(f, object_pairs_hook=OrderedDict)
        cases = collections.OrderedDict()
        for name in plain:
            cases[name] = {"input": plain[name], "dict": capture_dump(plain[name], False),
                           "ordered": capture_dump(ordered[name], True)}
        write(path[: -len(".cases.json")] + ".json", {"captured_with": header, "cases": cases})


def write(path, data):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", os.path.relpath(path))


if __name__ == "__main__":
    main()
