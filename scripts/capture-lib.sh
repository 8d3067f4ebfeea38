# Shared by the scripts/capture-*.sh golden-capture scripts; source it:
#   . "$(dirname "$0")/capture-lib.sh"
# It defines functions only and changes no shell options.

# capture_names CASES [NAME...]: sets the array `names` to the NAMEs given,
# or to every case directory under CASES.
capture_names() {
  local cases=$1; shift
  if [ $# -gt 0 ]; then
    names=("$@")
  else
    names=()
    for d in "$cases"/*/; do names+=("$(basename "$d")"); done
  fi
}

# capture_salt_lab ROOT LAB_DIR: sets SALT_LAB (the salt-lab tool: $SALT_LAB,
# else ROOT/../shared/tools/salt-lab, else /work/shared/tools/salt-lab), LAB
# (the lab directory, $SALT_LAB_DIR or LAB_DIR, linked to the salt-lab venv)
# and PY (that venv's python).
capture_salt_lab() {
  SALT_LAB=${SALT_LAB:-$1/../shared/tools/salt-lab}
  [ -x "$SALT_LAB" ] || SALT_LAB=/work/shared/tools/salt-lab
  LAB=${SALT_LAB_DIR:-$2}
  mkdir -p "$LAB"
  [ -e "$LAB/venv" ] || ln -sfn /tmp/salt-lab/venv "$LAB/venv"
  PY=$LAB/venv/bin/python
}

# capture_store RAW DEST RC [FROM TO]...: writes DEST as {"retcode": RC,
# "return": the "local" value of the salt-call JSON in RAW} ({"__unparsed__":
# text} when RAW is not that JSON), after replacing each FROM in RAW's text by
# its TO, in order. Runs $PY, or python3 when PY is unset.
capture_store() {
  "${PY:-python3}" - "$@" <<'EOF'
import json, sys
raw, dest, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
masks = sys.argv[4:]
with open(raw) as f:
    text = f.read()
for old, new in zip(masks[0::2], masks[1::2]):
    text = text.replace(old, new)
try:
    data = json.loads(text)["local"]
except Exception:
    data = {"__unparsed__": text}
with open(dest, "w") as f:
    json.dump({"retcode": rc, "return": data}, f, indent=2, ensure_ascii=False)
    f.write("\n")
EOF
}
