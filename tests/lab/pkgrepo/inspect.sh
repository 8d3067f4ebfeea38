# The sources files after the first run. other.list is left out: Salt
# writes its components in Python set order (random between runs).
for f in /etc/apt/sources.list /etc/apt/sources.list.d/example.list; do
  echo "== $f"; cat "$f"
done
