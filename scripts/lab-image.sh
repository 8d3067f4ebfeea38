#!/usr/bin/env bash
# Builds the container lab images from nothing (no registry needed), for
# tests that need a real Debian host with systemd and apt (docs/testing.md):
#
#   salt-rs-lab:debian12  Debian bookworm (debootstrap minbase) + systemd as
#                         PID 1, dbus, procps, iproute2, kmod, apt with a
#                         local package repository; the salt-rs binaries are
#                         bind-mounted at run time, never baked in.
#   salt-rs-lab:salt      the same plus the real Salt 3007.8 in /opt/salt
#                         (for capturing goldens; tests never need it).
#
#   scripts/lab-image.sh [--force] [base|salt]    (default: base)
#
# An image is rebuilt only when its inputs changed: the image carries the
# sha256 of this script and deploy/lab/ (env SALT_RS_LAB_HASH) and a build
# is skipped when it matches. --force rebuilds anyway. Needs root, docker,
# debootstrap and dpkg-deb (scripts/setup.sh installs debootstrap) and
# Debian's mirror (MIRROR, default http://deb.debian.org/debian) at build
# time only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
LAB=$ROOT/deploy/lab
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
BASE=salt-rs-lab:debian12
SALT=salt-rs-lab:salt
# The real Salt and the modules it imports (as ../shared/tools/salt-lab installs them).
SALT_PIP=(salt==3007.8 distro==1.9.0 tornado==6.6.1 pyzmq==27.3.0 pycryptodomex==3.24.2
  msgpack==1.2.4 PyYAML==6.0.3 Jinja2==3.1.6 MarkupSafe==3.0.4 requests==2.34.2
  psutil==7.2.2 looseversion==1.3.0 packaging==26.3 cryptography==50.0.2 jmespath==1.1.0
  aiohttp==3.14.5)

force=0
what=base
for a in "$@"; do
  case $a in
    --force) force=1 ;;
    base | salt) what=$a ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "lab-image: unknown argument '$a' (expected --force, base or salt)" >&2; exit 2 ;;
  esac
done

die() { echo "lab-image: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap and chroot)"
command -v docker >/dev/null || die "docker not found"
docker info >/dev/null 2>&1 || die "docker daemon not reachable"
command -v debootstrap >/dev/null || die "debootstrap not found (scripts/setup.sh installs it)"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"

# The content hash of every input of the base image.
inputs_hash() {
  (cd "$ROOT" && find scripts/lab-image.sh deploy/lab -type f -print0 | sort -z |
    xargs -0 sha256sum; find deploy/lab -type f -perm -u+x | sort) | sha256sum | cut -c1-16
}
HASH=$(inputs_hash)

image_hash() { # the SALT_RS_LAB_HASH an image was built with, or nothing
  docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$1" 2>/dev/null |
    sed -n 's/^SALT_RS_LAB_HASH=//p'
}

work=$(mktemp -d /var/tmp/salt-rs-lab.XXXXXX)
mounted=()
cleanup() {
  for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
  # Never follows a mount that is still there (the bind-mounted /dev).
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

in_root() { # in_root DIR CMD...: run in the rootfs with /proc, /sys and /dev mounted
  local r=$1; shift
  for m in proc sys dev; do
    if ! mountpoint -q "$r/$m"; then
      case $m in
        proc) mount -t proc proc "$r/proc" ;;
        sys) mount -t sysfs sysfs "$r/sys" ;;
        dev) mount --bind /dev "$r/dev" ;;
      esac
      mounted=("$r/$m" "${mounted[@]}")
    fi
  done
  LC_ALL=C DEBIAN_FRONTEND=noninteractive chroot "$r" "$@"
}

unmount_all() {
  for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
  mounted=()
}

# A tiny package: /usr/share/NAME/version holding VERSION.
build_deb() { # build_deb NAME VERSION OUTDIR
  local name=$1 version=$2 out=$3 d
  d=$work/deb-$name-$version
  mkdir -p "$d/DEBIAN" "$d/usr/share/$name"
  echo "$version" >"$d/usr/share/$name/version"
  cat >"$d/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: all
Maintainer: salt-rs lab <lab@salt-rs.invalid>
Section: misc
Priority: optional
Description: salt-rs lab test package $name $version
 Installs /usr/share/$name/version and nothing else.
EOF
  find "$d" -exec touch -h -d @1700000000 {} +
  dpkg-deb --root-owner-group -Zxz --build "$d" "$out/${name}_${version}_all.deb" >/dev/null
}

# Packages and Release for a flat repository (what apt-ftparchive would write).
index_repo() { # index_repo DIR
  local dir=$1 deb
  : >"$dir/Packages"
  for deb in "$dir"/*.deb; do
    {
      dpkg-deb -f "$deb"
      echo "Filename: ./$(basename "$deb")"
      echo "Size: $(stat -c %s "$deb")"
      echo "MD5sum: $(md5sum "$deb" | cut -d' ' -f1)"
      echo "SHA256: $(sha256sum "$deb" | cut -d' ' -f1)"
      echo
    } >>"$dir/Packages"
  done
  gzip -9nk "$dir/Packages"
  {
    echo "Origin: salt-rs-lab"
    echo "Label: salt-rs-lab"
    echo "Suite: lab"
    echo "Codename: lab"
    echo "Date: Tue, 14 Nov 2023 22:13:20 UTC"
    echo "Architectures: all amd64"
    echo "SHA256:"
    for f in Packages Packages.gz; do
      echo " $(sha256sum "$dir/$f" | cut -d' ' -f1) $(stat -c %s "$dir/$f") $f"
    done
  } >"$dir/Release"
}

# Shrinks and seals a rootfs, then imports it as IMAGE.
import_rootfs() { # import_rootfs DIR IMAGE HASH
  local r=$1 image=$2 hash=$3
  unmount_all
  rm -rf "$r"/var/cache/apt/*.bin "$r"/var/cache/apt/archives/*.deb "$r"/var/log/*.log \
    "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/tmp/* "$r"/root/.cache
  find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  : >"$r/etc/machine-id"
  rm -f "$r/var/lib/dbus/machine-id" "$r/etc/resolv.conf"
  tar -C "$r" --numeric-owner --xattrs -c . |
    docker import \
      --change 'CMD ["/lib/systemd/systemd"]' \
      --change 'ENV container=docker' \
      --change "ENV SALT_RS_LAB_HASH=$hash" \
      - "$image" >/dev/null
}

build_base() {
  local r=$work/rootfs start=$SECONDS
  echo "lab-image: debootstrap $SUITE (minbase + systemd) from $MIRROR"
  debootstrap --variant=minbase --components=main \
    --include=systemd,systemd-sysv,dbus,procps,iproute2,kmod,apt \
    "$SUITE" "$r" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
    { tail -30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

  # Real Debian packages for the local repository, from the mirror.
  mkdir -p "$r/srv/lab-repo" "$r/srv/lab-files/debs"
  cp /etc/resolv.conf "$r/etc/resolv.conf"
  echo "deb $MIRROR $SUITE main" >"$r/etc/apt/sources.list"
  mapfile -t pkgs < <(sed 's/#.*//' "$LAB/debian-packages.txt" | awk 'NF {print $1}')
  in_root "$r" apt-get -qq update
  in_root "$r" sh -c "cd /srv/lab-repo && apt-get -qq -o APT::Sandbox::User=root download ${pkgs[*]}"

  # Our own tiny packages.
  while read -r name version where _; do
    case $where in
      repo) build_deb "$name" "$version" "$r/srv/lab-repo" ;;
      files) build_deb "$name" "$version" "$r/srv/lab-files/debs" ;;
      *) die "deploy/lab/local-debs.txt: '$where' is neither repo nor files" ;;
    esac
  done < <(sed 's/#.*//' "$LAB/local-debs.txt" | awk 'NF')
  index_repo "$r/srv/lab-repo"

  # The files of deploy/lab/rootfs, then apt on the local repository only.
  cp -a "$LAB/rootfs/." "$r/"
  rm -rf "$r"/var/lib/apt/lists/*
  in_root "$r" apt-get -qq update
  # Units that cannot work in a container, a prompt on the console, and
  # timers that would start apt or disk jobs in the middle of a test.
  in_root "$r" systemctl mask -q getty@tty1.service console-getty.service \
    systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service \
    sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
    systemd-remount-fs.service systemd-firstboot.service \
    apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
    fstrim.timer 2>/dev/null || true
  echo "salt-rs-lab" >"$r/etc/hostname"
  import_rootfs "$r" "$BASE" "$HASH"
  echo "lab-image: built $BASE in $((SECONDS - start))s"
}

build_salt() {
  local r=$work/salt start=$SECONDS cid
  echo "lab-image: $SALT from $BASE + python3 + salt 3007.8"
  mkdir -p "$r"
  cid=$(docker create "$BASE")
  docker export "$cid" | tar -C "$r" -x
  docker rm "$cid" >/dev/null
  cp /etc/resolv.conf "$r/etc/resolv.conf"
  cp "$r/etc/apt/sources.list" "$work/sources.list"
  echo "deb $MIRROR $SUITE main" >"$r/etc/apt/sources.list"
  in_root "$r" apt-get -qq update
  in_root "$r" apt-get -qq install -y python3-venv >/dev/null
  in_root "$r" python3 -m venv /opt/salt
  # pip trusts what the host trusts (a proxy's CA, say) while it runs.
  local bundle=$r/etc/ssl/certs/ca-certificates.crt
  cp "$bundle" "$work/ca.crt"
  cp "${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}" "$bundle"
  in_root "$r" env PIP_FIND_LINKS= /opt/salt/bin/pip install -q --no-cache-dir "${SALT_PIP[@]}"
  cp "$work/ca.crt" "$bundle"
  cp "$work/sources.list" "$r/etc/apt/sources.list"
  rm -rf "$r"/var/lib/apt/lists/*
  in_root "$r" apt-get -qq update
  in_root "$r" /opt/salt/bin/salt-call --version
  import_rootfs "$r" "$SALT" "$HASH"
  echo "lab-image: built $SALT in $((SECONDS - start))s"
}

if [ $force = 0 ] && [ "$(image_hash "$BASE")" = "$HASH" ]; then
  echo "lab-image: $BASE is up to date ($HASH)"
else
  build_base
fi
if [ $what = salt ]; then
  if [ $force = 0 ] && [ "$(image_hash "$SALT")" = "$HASH" ]; then
    echo "lab-image: $SALT is up to date ($HASH)"
  else
    build_salt
  fi
fi
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^salt-rs-lab:' || true
