# archive.extracted and what is already at the destination.
wrong-type:
  archive.extracted:
    - name: @TMP@/wrong
    - source: salt://app.tar.gz

forced:
  archive.extracted:
    - name: @TMP@/forced
    - source: salt://app.tar.gz
    - force: True

cleaned:
  archive.extracted:
    - name: @TMP@/cleaned
    - source: salt://app.tar.gz
    - clean: True

clean-wrong-type:
  archive.extracted:
    - name: @TMP@/clean-wrong
    - source: salt://app.tar.gz
    - clean: True

clean-parent:
  archive.extracted:
    - name: @TMP@/parent
    - source: salt://app.tar.gz
    - clean_parent: True

partial:
  archive.extracted:
    - name: @TMP@/partial
    - source: salt://app.tar.gz

existing-dest:
  archive.extracted:
    - name: @TMP@/existing
    - source: salt://app.tar.gz

not-kept:
  archive.extracted:
    - name: @TMP@/not-kept
    - source: salt://app.tar.gz
    - keep_source: False

both-keeps:
  archive.extracted:
    - name: @TMP@/both-keeps
    - source: salt://app.tar.gz
    - keep_source: True
    - keep: False

source-list:
  archive.extracted:
    - name: @TMP@/from-list
    - source:
      - salt://no-such.tar.gz
      - @TMP@/no-such-local.tar.gz
      - salt://app.tar.gz

after-extract:
  cmd.run:
    - name: ls -la app | awk 'NR>1 {print $1, $NF}' | sort; cat app/bin/run.sh
    - cwd: @TMP@/partial
    - require:
      - archive: partial
