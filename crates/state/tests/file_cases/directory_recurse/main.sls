tree:
  file.directory:
    - name: __DIR__/tree
    - user: daemon
    - group: daemon
    - dir_mode: 750
    - file_mode: 640
    - recurse:
      - user
      - group
      - mode

only_dirs:
  file.directory:
    - name: __DIR__/dirsonly
    - dir_mode: 700
    - file_mode: 600
    - recurse:
      - mode
      - ignore_files

only_files:
  file.directory:
    - name: __DIR__/filesonly
    - dir_mode: 755
    - file_mode: 600
    - recurse:
      - mode
      - ignore_dirs

silent:
  file.directory:
    - name: __DIR__/quiet
    - file_mode: 644
    - dir_mode: 755
    - recurse:
      - mode
      - silent

depth:
  file.directory:
    - name: __DIR__/depth
    - dir_mode: 711
    - max_depth: 1
    - recurse:
      - mode

bad_recurse:
  file.directory:
    - name: __DIR__/badrec
    - recurse:
      - sideways

both_ignores:
  file.directory:
    - name: __DIR__/badrec2
    - recurse:
      - ignore_files
      - ignore_dirs

user_missing:
  file.directory:
    - name: __DIR__/badrec3
    - recurse:
      - user
