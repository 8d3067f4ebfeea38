#!/usr/bin/env bash
# Compare `state.show_sls` of public formulas under the real Salt and under
# salt-rs (issue 4, done-when 7). It fetches nothing: point it at a directory
# you filled yourself, laid out as
#
#   FORMULAS/<name>/            the file root (e.g. FORMULAS/ntp/ntp/init.sls)
#   FORMULAS/<name>/pillar/     its pillar root (top.sls + the pillar.example)
#   CONFS/<grains>/minion       one minion config per grains set (`grains:` key)
#
# For each formula, each SLS file under its root (pillar/ and dot dirs left
# out) and each grains set, it runs
#   salt-call    -c CONFS/<g> --local --id ID --file-root .. --pillar-root .. --out json state.show_sls SLS
#   salt-rs-call -c CONFS/<g> --local --id ID --file-root .. --pillar-root .. --out json state.show_sls SLS
# and prints a Markdown table: `same` (byte-equal JSON), `same data, other
# key order`, `DIFFERENT`, `both fail, same place` / `other place` (the SLS
# and line each names; the note quotes both first error lines, salt-rs's
# naming the file:line), or which side alone failed. Outputs stay in OUT for
# diffing.
#
#   scripts/formula-check.sh FORMULAS [CONFS]     # CONFS default FORMULAS/_conf
#
# Env: SALT_CALL (default /tmp/salt-lab/venv/bin/salt-call), SALT_RS_CALL
# (default target/debug/salt-rs-call), OUT (default /tmp/formula-check-out),
# ID (default myhost), ONLY (a formula name to check alone).
set -uo pipefail
cd "$(dirname "$0")/.."
FORMULAS=$(realpath "${1:?usage: formula-check.sh FORMULAS [CONFS]}")
CONFS=$(realpath "${2:-$FORMULAS/_conf}")
SALT_CALL=${SALT_CALL:-/tmp/salt-lab/venv/bin/salt-call}
SALT_RS_CALL=$(realpath "${SALT_RS_CALL:-target/debug/salt-rs-call}")
OUT=${OUT:-/tmp/formula-check-out}
ID=${ID:-myhost}
mkdir -p "$OUT"

# SLS names of a formula root: a/b/init.sls -> a.b, a/c.sls -> a.c
sls_names() {
  (cd "$1" && find . -name '*.sls' -not -path './pillar/*' -not -path './.*' \
    -not -path './test/*' | sed -e 's|^\./||' -e 's|\.sls$||' -e 's|/init$||' \
    -e 's|/|.|g' | sort)
}

# Canonical JSON (sorted keys) of the `local` value, or empty when not JSON.
canon() { jq -S '.local' "$1" 2>/dev/null; }

# The answer is an error when `local` is a list of strings (a render or
# compile error), as Salt returns it.
is_error() { jq -e '.local | type == "array"' "$1" >/dev/null 2>&1 || ! jq -e . "$1" >/dev/null 2>&1; }

first_error() {
  { jq -r '.local | if type == "array" then .[0] else empty end' "$1" 2>/dev/null \
      || head -c 300 "$1"; } | tr '\n' ' ' | cut -c1-200
}

# "SLS name:line" of the first error in a JSON answer (Salt's "Rendering
# SLS 'base:x' failed: ...; line N", "...(N):" or a YAML error's problem
# mark "line N, column M" (the last one), salt-rs's "...; line N (file:N:col)").
where_failed() {
  local text sls line
  text=$(jq -r '.local | if type == "array" then .[0] else empty end' "$1" 2>/dev/null | head -c 2000)
  sls=$(grep -o "SLS '[^']*'" <<<"$text" | head -1)
  line=$(grep -oE "line [0-9]+, column" <<<"$text" | tail -1 | tr -dc 0-9)
  [ -z "$line" ] && line=$(grep -oE "(; line |\()[0-9]+[):]?" <<<"$text" | head -1 | tr -dc 0-9)
  echo "$sls:$line"
}

# The last line of a CLI's stderr that says what went wrong.
err_line() { grep -v '^\s*$' "$1" | grep -iE 'error|fail' | tail -1 | cut -c1-200; }

echo "| formula | sls | grains | result | note |"
echo "|---|---|---|---|---|"
for dir in "$FORMULAS"/*/; do
  name=$(basename "$dir")
  case $name in _*|.*) continue ;; esac
  [ -n "${ONLY:-}" ] && [ "$name" != "$ONLY" ] && continue
  pillar="$dir/pillar"
  [ -d "$pillar" ] || pillar=$(mktemp -d)
  for sls in $(sls_names "$dir"); do
    for conf in "$CONFS"/*/; do
      g=$(basename "$conf")
      base="$OUT/$name--$sls--$g"
      (cd /tmp && "$SALT_CALL" -c "$conf" --local --id "$ID" --file-root "$dir" \
        --pillar-root "$pillar" --out json state.show_sls "$sls" >"$base.salt.json" 2>"$base.salt.err")
      (cd /tmp && "$SALT_RS_CALL" -c "$conf" --local --id "$ID" --file-root "$dir" \
        --pillar-root "$pillar" --out json state.show_sls "$sls" >"$base.rs.json" 2>"$base.rs.err")
      note=""
      if is_error "$base.salt.json" && is_error "$base.rs.json"; then
        result="both fail"
        rs=$(first_error "$base.rs.json"); [ -z "$rs" ] && rs=$(err_line "$base.rs.err")
        salt=$(first_error "$base.salt.json"); [ -z "$salt" ] && salt=$(err_line "$base.salt.err")
        # Where each says it failed: the SLS named and the first line number.
        if [ "$(where_failed "$base.salt.json")" = "$(where_failed "$base.rs.json")" ]; then
          result="both fail, same place"
        else
          result="both fail, other place"
        fi
        note="Salt: $salt<br>salt-rs: $rs"
      elif is_error "$base.salt.json"; then
        result="only Salt fails"; note=$(first_error "$base.salt.json")
      elif is_error "$base.rs.json"; then
        result="only salt-rs fails"; note=$(first_error "$base.rs.json")
        [ -z "$note" ] && note=$(err_line "$base.rs.err")
      elif cmp -s "$base.salt.json" "$base.rs.json"; then
        result="same"
      elif [ "$(canon "$base.salt.json")" = "$(canon "$base.rs.json")" ]; then
        result="same data, other key order"
      else
        result="DIFFERENT"; note="diff <(jq -S .local $base.salt.json) <(jq -S .local $base.rs.json)"
      fi
      echo "| $name | $sls | $g | $result | ${note//|/\\|} |"
    done
  done
done
