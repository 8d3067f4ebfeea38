atomic_swap:
  file.symlink:
    - name: __DIR__/swap
    - target: __DIR__/t2
    - atomic: True

inherit:
  file.symlink:
    - name: __DIR__/inherited
    - target: __DIR__/t2
    - inherit_user_and_group: True

dir_link_ok:
  file.symlink:
    - name: __DIR__/dirlink
    - target: __DIR__/realdir

force_over_dir:
  file.symlink:
    - name: __DIR__/adir
    - target: __DIR__/t1
    - force: True

backup_exists:
  file.symlink:
    - name: __DIR__/b
    - target: __DIR__/t1
    - backupname: __DIR__/b.old

relative_name:
  file.symlink:
    - name: rel/link
    - target: /etc/hostname
