# archive.extracted with zip archives.
zip:
  archive.extracted:
    - name: @TMP@/zip
    - source: salt://app.zip

zip-trimmed:
  archive.extracted:
    - name: @TMP@/zip-trim
    - source: salt://app.zip
    - trim_output: 3

zip-no-perms:
  archive.extracted:
    - name: @TMP@/zip-noperm
    - source: salt://app.zip
    - extract_perms: False

zip-bomb:
  archive.extracted:
    - name: @TMP@/zbomb
    - source: salt://bomb.zip

zip-bomb-ok:
  archive.extracted:
    - name: @TMP@/zbomb-ok
    - source: salt://bomb.zip
    - enforce_toplevel: False

zip-local:
  archive.extracted:
    - name: @TMP@/zip-local
    - source: @TMP@/copy.zip

check-perms:
  cmd.run:
    - name: stat -c '%n %a' app app/conf app/conf/app.conf app/bin/run.sh; readlink app/current
    - cwd: @TMP@/zip
    - require:
      - archive: zip
