"""Differential check against Python: random return data rendered by
`examples/render.rs` and by the Python calls Salt's outputters make.

Run from the workspace root after `cargo build -p salt-output --example render`:
    python3 crates/output/tools/compare.py SEED COUNT
Prints the first mismatches and a `fails N of M` summary. With SALT_SRC set to
an unpacked Salt source tree (`pip download --no-deps salt==3007.8`), the
nested outputter is compared too, running Salt's own nested.py with stubs.
"""
import json, random, subprocess, sys, pprint
import yaml, sys, json
class SafeOrderedDumper(yaml.CSafeDumper):
    pass
SafeOrderedDumper.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.CSafeDumper.yaml_implicit_resolvers.items()
}
def yaml_out(x, indent=None):
    params = {}
    if indent is None: params.update(default_flow_style=False)
    elif indent >= 0: params.update(default_flow_style=False, indent=indent)
    else: params.update(default_flow_style=True, indent=0)
    return yaml.dump(x, Dumper=SafeOrderedDumper, allow_unicode=True, **params)

random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
ALPH = list("ab xyz:#-'\"\\\n\t,[]{}?!&*|>%@`.~=<0123456789éü日本😀\u00a0\u2028\r\x85\x07\ufeff") + ["true", "null", "yes", "1.5", "0x1f", "---", "...", "  ", "word "]
def rstr():
    n = random.choice([0,1,2,3,5,8,20,40])
    return "".join(random.choice(ALPH) for _ in range(n))
def rval(d=0):
    r = random.random()
    if d < 3 and r < 0.2: return {rstr(): rval(d+1) for _ in range(random.randint(0,4))}
    if d < 3 and r < 0.35: return [rval(d+1) for _ in range(random.randint(0,4))]
    r = random.random()
    if r < 0.55: return rstr()
    if r < 0.65: return random.randint(-10**12, 10**12)
    if r < 0.75: return random.choice([0.1, 1.0, 1e16, 1e-7, 123.456, -2.5e300, random.random()*1000])
    if r < 0.85: return random.choice([True, False])
    return None
def load_nested_oracle():
    import os, types, importlib.util, collections
    src = os.environ.get("SALT_SRC")
    if not src:
        return None
    S = src.rstrip("/") + "/salt/"
    def mod(name, **attrs):
        m = types.ModuleType(name); m.__dict__.update(attrs); sys.modules[name] = m; return m
    def load(name, path):
        spec = importlib.util.spec_from_file_location(name, path); m = importlib.util.module_from_spec(spec)
        sys.modules[name] = m; spec.loader.exec_module(m); return m
    salt = mod("salt"); salt.utils = mod("salt.utils")
    salt.output = mod("salt.output", strip_esc_sequence=lambda t: t.replace("\033", "?") if isinstance(t, str) else t)
    salt.utils.textformat = load("salt.utils.textformat", S + "utils/textformat.py")
    salt.utils.odict = mod("salt.utils.odict", OrderedDict=collections.OrderedDict)
    salt.utils.stringutils = mod("salt.utils.stringutils", to_unicode=lambda x: x, to_str=lambda x: x)
    salt.utils.color = load("salt.utils.color", S + "utils/color.py")
    nested = load("salt.output.nested", S + "output/nested.py")
    def render(data, color=False, retcode=0):
        nested.__opts__ = {"color": color}
        return nested.output(data, _retcode=retcode)
    return render
nested_oracle = load_nested_oracle()
def txt_out(data):
    if hasattr(data, "keys"):
        ret = ""
        for key in data:
            value = data[key]
            try:
                for line in value.splitlines(): ret += f"{key}: {line}\n"
            except AttributeError:
                ret += f"{key}: {value}\n"
        return ret
    try: return data + "\n"
    except TypeError: return pprint.pformat(data) + "\n"
def printed(t):
    t = t.rstrip(); return t + "\n" if t else ""
docs = [{"m%d" % i: rval()} if random.random() < 0.7 else rval() for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 300)]
inp = "\n".join(json.dumps(d) for d in docs) + "\n"
out = subprocess.run(["target/debug/examples/render"], input=inp.encode(), capture_output=True).stdout.decode().split("\n")
fails = 0
for i, d in enumerate(docs):
    exp = [yaml_out(d), yaml_out(d, -1), pprint.pformat(d), d if isinstance(d, str) else str(d), txt_out(d),
           json.dumps(d, indent=4, ensure_ascii=False), json.dumps(d, ensure_ascii=False), yaml_out(d, 4)]
    names = ["yaml", "yaml-flow", "pprint", "raw", "txt", "json", "json-compact", "yaml4"]
    per_doc = len(exp) + 3
    if nested_oracle:
        exp += [nested_oracle(d), nested_oracle(d, color=True), nested_oracle(d, color=True, retcode=1)]
        names += ["nested", "nested-color", "nested-red"]
    for j, e in enumerate(exp):
        got = json.loads(out[i*per_doc+j])
        if got != printed(e):
            fails += 1
            if fails <= 6:
                print("MISMATCH", names[j], json.dumps(d, ensure_ascii=False)[:300]); print(" want", repr(printed(e))[:400]); print(" got ", repr(got)[:400])
print("fails", fails, "of", len(docs)*8)
