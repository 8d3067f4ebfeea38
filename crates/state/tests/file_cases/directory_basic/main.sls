simple:
  file.directory:
    - name: __DIR__/simple

with_mode:
  file.directory:
    - name: __DIR__/moded
    - dir_mode: 700

mode_kwarg:
  file.directory:
    - name: __DIR__/kwmode
    - mode: 751

deep_makedirs:
  file.directory:
    - name: __DIR__/p/q/r
    - makedirs: True
    - dir_mode: 0750
    - user: daemon
    - group: daemon

no_parent:
  file.directory:
    - name: __DIR__/nope/child

fix_existing:
  file.directory:
    - name: __DIR__/existing
    - dir_mode: 755
    - user: nobody
    - group: nogroup

trailing_slash:
  file.directory:
    - name: __DIR__/slash/

file_in_way:
  file.directory:
    - name: __DIR__/blocker

forced:
  file.directory:
    - name: __DIR__/forceme
    - force: True

backed_up:
  file.directory:
    - name: __DIR__/backme
    - backupname: __DIR__/backme.orig

link_to_dir:
  file.directory:
    - name: __DIR__/linkdir

link_refused:
  file.directory:
    - name: __DIR__/linkdir2
    - allow_symlink: False

relative:
  file.directory:
    - name: rel/dir

bad_user:
  file.directory:
    - name: __DIR__/baduser
    - user: no-such-user-salt
