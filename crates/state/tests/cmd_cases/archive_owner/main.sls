# archive.extracted with user/group: ownership of what was extracted.
owned:
  archive.extracted:
    - name: @TMP@/owned
    - source: salt://app.tar.gz
    - user: nobody
    - group: nogroup

owned-existing:
  archive.extracted:
    - name: @TMP@/pre
    - source: salt://app.tar.gz
    - user: nobody

owned-one-file:
  archive.extracted:
    - name: @TMP@/one
    - source: salt://app.tar.gz
    - group: nogroup
    - enforce_ownership_on: @TMP@/one/app/README

owned-missing-target:
  archive.extracted:
    - name: @TMP@/miss
    - source: salt://app.tar.gz
    - user: nobody
    - enforce_ownership_on: @TMP@/miss/not-in-archive

local-owned-existing:
  archive.extracted:
    - name: @TMP@/pre2
    - source: @TMP@/app.tgz
    - user: nobody
    - group: nogroup

local-one-file:
  archive.extracted:
    - name: @TMP@/pre3
    - source: @TMP@/app.tgz
    - user: nobody
    - enforce_ownership_on: @TMP@/pre3/app/README

show-owners:
  cmd.run:
    - name: stat -c '%n %U %G' owned owned/app owned/app/conf/app.conf owned/app/current pre/app/bin/run.sh one/app/README one/app/bin | sed 's|@TMP@/||'
    - cwd: @TMP@
    - require:
      - archive: owned
      - archive: owned-existing
      - archive: owned-one-file
