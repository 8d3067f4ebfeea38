# Members of the wrong type, stale files, a partial copy.
for d in wrong forced clean-wrong; do mkdir -p "$T/$d/app"; echo "not a dir" > "$T/$d/app/conf"; done
mkdir -p "$T/cleaned/app" "$T/cleaned/other"; echo stale > "$T/cleaned/app/stale.txt"; echo keep > "$T/cleaned/other/keep.txt"
mkdir -p "$T/parent/app" "$T/parent/unrelated"; echo x > "$T/parent/unrelated/x"
mkdir -p "$T/partial/app/bin"; echo "old" > "$T/partial/app/bin/run.sh"
mkdir -p "$T/existing"
