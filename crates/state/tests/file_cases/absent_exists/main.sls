rm_file:
  file.absent:
    - name: __DIR__/file.txt

rm_tree:
  file.absent:
    - name: __DIR__/tree

rm_link:
  file.absent:
    - name: __DIR__/link

rm_missing:
  file.absent:
    - name: __DIR__/never-was

rm_root:
  file.absent:
    - name: /

rm_relative:
  file.absent:
    - name: rel/x

exists_yes:
  file.exists:
    - name: __DIR__/stays

exists_no:
  file.exists:
    - name: __DIR__/not-here

missing_yes:
  file.missing:
    - name: __DIR__/not-here

missing_no:
  file.missing:
    - name: __DIR__/stays
