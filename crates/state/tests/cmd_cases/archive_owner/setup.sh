# An extracted copy owned by root.
mkdir -p "$T/pre" && tar -xzf "$FILES/app.tar.gz" -C "$T/pre"
cp "$FILES/app.tar.gz" "$T/app.tgz"
for d in pre2 pre3; do mkdir -p "$T/$d" && tar -xzf "$FILES/app.tar.gz" -C "$T/$d"; done
