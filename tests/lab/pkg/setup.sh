# hello is installed before the run (for pkg.removed).
set -e
apt-get install -y -qq hello >/dev/null 2>&1
