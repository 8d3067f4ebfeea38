# archive.extracted with tar archives: every compression, hashes, sources.
gz-with-hash:
  archive.extracted:
    - name: @TMP@/gz
    - source: salt://app.tar.gz
    - source_hash: sha256=52a7e64115d9123c077f73ed7b6fc84765c4f4d91b97b203b1f0052645b6df45

bz2-hash-file:
  archive.extracted:
    - name: @TMP@/bz2/
    - source: salt://app.tar.bz2
    - source_hash: salt://hashes.sha256

xz-no-hash:
  archive.extracted:
    - name: @TMP@/xz
    - source: salt://app.tar.xz

plain-trimmed:
  archive.extracted:
    - name: @TMP@/plain
    - source: salt://app.tar
    - trim_output: 2

local-md5:
  archive.extracted:
    - name: @TMP@/local-out
    - source: @TMP@/src/app.tgz
    - source_hash: 26856a6e6c8160aeb85c3b8f69f95ef1

local-file-url:
  archive.extracted:
    - name: @TMP@/url-out
    - source: file://@TMP@/src/app.tgz
    - archive_format: tar

skipped-if-missing:
  archive.extracted:
    - name: @TMP@/never
    - source: salt://app.tar.gz
    - if_missing: @TMP@/src

bomb-refused:
  archive.extracted:
    - name: @TMP@/bomb
    - source: salt://bomb.tar.gz

bomb-allowed:
  archive.extracted:
    - name: @TMP@/bomb-ok
    - source: salt://bomb.tar.gz
    - enforce_toplevel: False

with-options:
  archive.extracted:
    - name: @TMP@/opts
    - source: salt://app.tar.gz
    - options: z
    - source_hash: sha256=52a7e64115d9123c077f73ed7b6fc84765c4f4d91b97b203b1f0052645b6df45

strip-components:
  archive.extracted:
    - name: @TMP@/stripped
    - source: salt://app.tar.gz
    - options: --strip-components=1
    - enforce_toplevel: False

always:
  archive.extracted:
    - name: @TMP@/always
    - source: salt://app.tar.xz
    - overwrite: True
