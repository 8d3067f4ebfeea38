new_link:
  file.symlink:
    - name: __DIR__/new
    - target: __DIR__/target.txt

correct_link:
  file.symlink:
    - name: __DIR__/correct
    - target: target.txt

wrong_target:
  file.symlink:
    - name: __DIR__/wrong
    - target: __DIR__/target.txt

file_in_way:
  file.symlink:
    - name: __DIR__/blocker
    - target: __DIR__/target.txt

forced:
  file.symlink:
    - name: __DIR__/forced
    - target: __DIR__/target.txt
    - force: True

backup:
  file.symlink:
    - name: __DIR__/backme
    - target: __DIR__/target.txt
    - backupname: backme.orig

makedirs:
  file.symlink:
    - name: __DIR__/deep/er/link
    - target: /etc/hostname
    - makedirs: True

no_parent:
  file.symlink:
    - name: __DIR__/nodir/link
    - target: /etc/hostname

owned:
  file.symlink:
    - name: __DIR__/owned
    - target: __DIR__/target.txt
    - user: daemon
    - group: daemon

bad_user:
  file.symlink:
    - name: __DIR__/badu
    - target: __DIR__/target.txt
    - user: no-such-user-salt
    - group: no-such-group-salt

dir_in_way:
  file.symlink:
    - name: __DIR__/adir
    - target: __DIR__/target.txt
