children:
  file.directory:
    - name: __DIR__/kids
    - children_only: True
    - dir_mode: 700
    - file_mode: 600
    - recurse:
      - mode

regex_exclude:
  file.directory:
    - name: __DIR__/logs
    - clean: True
    - exclude_pat: "E@\\.log$"

clean_by_id:
  file.directory:
    - name: __DIR__/byid
    - clean: True
    - require:
      - file: keeper

keeper:
  file.managed:
    - name: __DIR__/byid/kept.txt
    - contents: kept
