#!/usr/bin/env python3
"""Writes the archives the archive_* cases extract (committed; rerun only
to change them). Deterministic: fixed times, root ownership, sorted."""
import bz2
import gzip
import hashlib
import io
import lzma
import os
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
MTIME = 1700000000

APP = [  # (name, kind, mode, data)
    ("app", "dir", 0o755, None),
    ("app/bin", "dir", 0o755, None),
    ("app/bin/run.sh", "file", 0o755, b"#!/bin/sh\necho running\n"),
    ("app/conf", "dir", 0o750, None),
    ("app/conf/app.conf", "file", 0o640, b"port = 8080\n"),
    ("app/README", "file", 0o644, b"An application.\n"),
    ("app/current", "link", 0o777, "README"),
]

BOMB = [  # no single top-level directory
    ("one.txt", "file", 0o644, b"one\n"),
    ("two", "dir", 0o755, None),
    ("two/three.txt", "file", 0o644, b"three\n"),
]


def tar_bytes(members, mode):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, kind, perm, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = MTIME
            info.mode = perm
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            elif kind == "link":
                info.type = tarfile.SYMTYPE
                info.linkname = data
                t.addfile(info)
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    return {
        "w": lambda b: b,
        "w:gz": lambda b: gzip.compress(b, mtime=0),
        "w:bz2": bz2.compress,
        "w:xz": lambda b: lzma.compress(b, format=lzma.FORMAT_XZ),
    }[mode](raw)


def zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, kind, perm, data in members:
            if kind == "dir":
                info = zipfile.ZipInfo(name + "/", (2023, 11, 14, 22, 13, 20))
                info.external_attr = (0o040000 | perm) << 16
                z.writestr(info, b"")
            elif kind == "link":
                info = zipfile.ZipInfo(name, (2023, 11, 14, 22, 13, 20))
                info.external_attr = (0o120000 | perm) << 16
                z.writestr(info, data.encode())
            else:
                info = zipfile.ZipInfo(name, (2023, 11, 14, 22, 13, 20))
                info.external_attr = (0o100000 | perm) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
    return buf.getvalue()


def write(case, name, data):
    d = os.path.join(HERE, case)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


def main():
    for case in ("archive_tar", "archive_errors", "archive_dest", "archive_owner"):
        gz = write(case, "app.tar.gz", tar_bytes(APP, "w:gz"))
    write("archive_tar", "app.tar", tar_bytes(APP, "w"))
    bz2 = write("archive_tar", "app.tar.bz2", tar_bytes(APP, "w:bz2"))
    write("archive_tar", "app.tar.xz", tar_bytes(APP, "w:xz"))
    write("archive_tar", "hashes.sha256",
          f"{'0' * 64}  other.tar.bz2\n{bz2}  app.tar.bz2\n".encode())
    write("archive_tar", "bomb.tar.gz", tar_bytes(BOMB, "w:gz"))
    write("archive_zip", "app.zip", zip_bytes(APP))
    write("archive_zip", "bomb.zip", zip_bytes(BOMB))
    print("app.tar.gz sha256", gz)
    print("app.tar.bz2 sha256", bz2)


main()
