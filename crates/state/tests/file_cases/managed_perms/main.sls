keep_contents:
  file.managed:
    - name: __DIR__/keep.txt
    - replace: False
    - mode: 600
    - user: daemon
    - group: nogroup

keep_contents_ok:
  file.managed:
    - name: __DIR__/keep_ok.txt
    - replace: False

no_create:
  file.managed:
    - name: __DIR__/absent.txt
    - source: salt://files/c.txt
    - create: False

no_create_existing:
  file.managed:
    - name: __DIR__/present.txt
    - source: salt://files/c.txt
    - create: False

owner_change:
  file.managed:
    - name: __DIR__/owned.txt
    - source: salt://files/c.txt
    - user: nobody
    - group: daemon
    - mode: 0640

owner_by_id:
  file.managed:
    - name: __DIR__/byid.txt
    - source: salt://files/c.txt
    - user: 1
    - group: 1

new_with_owner:
  file.managed:
    - name: __DIR__/sub/new.txt
    - source: salt://files/c.txt
    - user: daemon
    - group: daemon
    - mode: 0604
    - makedirs: True

setuid_mode:
  file.managed:
    - name: __DIR__/suid.sh
    - contents: echo hi
    - mode: 4755
