# archive.extracted: what it refuses, and why.
relative-name:
  archive.extracted:
    - name: relative/dir
    - source: salt://app.tar.gz

name-is-a-file:
  archive.extracted:
    - name: @TMP@/afile
    - source: salt://app.tar.gz

relative-if-missing:
  archive.extracted:
    - name: @TMP@/out1
    - source: salt://app.tar.gz
    - if_missing: relative/path

ownership-outside:
  archive.extracted:
    - name: @TMP@/out2
    - source: salt://app.tar.gz
    - user: root
    - enforce_ownership_on: /etc

no-such-user:
  archive.extracted:
    - name: @TMP@/out3
    - source: salt://app.tar.gz
    - user: no-such-user-salt-case

no-such-group:
  archive.extracted:
    - name: @TMP@/out4
    - source: salt://app.tar.gz
    - group: no-such-group-salt-case

missing-local:
  archive.extracted:
    - name: @TMP@/out5
    - source: @TMP@/nothing.tar.gz

unknown-format:
  archive.extracted:
    - name: @TMP@/out6
    - source: @TMP@/plain.bin

bad-format:
  archive.extracted:
    - name: @TMP@/out7
    - source: @TMP@/plain.bin
    - archive_format: 7z

wrong-hash:
  archive.extracted:
    - name: @TMP@/out8
    - source: @TMP@/app.tgz
    - source_hash: sha256=0000000000000000000000000000000000000000000000000000000000000000

invalid-hash:
  archive.extracted:
    - name: @TMP@/out9
    - source: @TMP@/app.tgz
    - source_hash: not-a-hash

short-hash:
  archive.extracted:
    - name: @TMP@/out10
    - source: @TMP@/app.tgz
    - source_hash: sha256=abc123

missing-hash-file:
  archive.extracted:
    - name: @TMP@/out11
    - source: @TMP@/app.tgz
    - source_hash: salt://no-such.sha256

not-an-archive:
  archive.extracted:
    - name: @TMP@/out12
    - source: @TMP@/garbage.tar.gz

not-an-archive-if-missing:
  archive.extracted:
    - name: @TMP@/out13
    - source: @TMP@/garbage.tar.gz
    - if_missing: @TMP@/out13/x
    - user: root

clean-and-parent:
  archive.extracted:
    - name: @TMP@/out14
    - source: @TMP@/app.tgz
    - clean: True
    - clean_parent: True

skip-both:
  archive.extracted:
    - name: @TMP@/out15
    - source: @TMP@/app.tgz
    - skip_verify: True
    - skip_files_list_verify: True

bad-trim:
  archive.extracted:
    - name: @TMP@/out16
    - source: @TMP@/app.tgz
    - trim_output: [1]

not-a-zip:
  archive.extracted:
    - name: @TMP@/out17
    - source: @TMP@/app.tgz
    - archive_format: zip

missing-salt-source:
  archive.extracted:
    - name: @TMP@/out18
    - source: salt://no-such.tar.gz

salt-source-wrong-hash:
  archive.extracted:
    - name: @TMP@/out19
    - source: salt://app.tar.gz
    - source_hash: sha256=1111111111111111111111111111111111111111111111111111111111111111

salt-source-skip-verify:
  archive.extracted:
    - name: @TMP@/out20
    - source: salt://app.tar.gz
    - source_hash: sha256=1111111111111111111111111111111111111111111111111111111111111111
    - skip_verify: True

no-source-found:
  archive.extracted:
    - name: @TMP@/out21
    - source:
      - salt://no-such.tar.gz
      - @TMP@/no-such.tar.gz
