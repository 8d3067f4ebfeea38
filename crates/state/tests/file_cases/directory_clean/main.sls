cleaned:
  file.directory:
    - name: __DIR__/conf.d
    - clean: True

keep_me:
  file.managed:
    - name: __DIR__/conf.d/keep.conf
    - contents: keep
    - require_in:
      - file: cleaned

keep_dir:
  file.directory:
    - name: __DIR__/conf.d/kept
    - require_in:
      - file: cleaned

excluded:
  file.directory:
    - name: __DIR__/other.d
    - clean: True
    - exclude_pat: "*.save"

depth_and_clean:
  file.directory:
    - name: __DIR__/other.d
    - clean: True
    - max_depth: 2
