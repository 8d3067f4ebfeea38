new_file:
  file.touch:
    - name: __DIR__/new

existing:
  file.touch:
    - name: __DIR__/old

with_times:
  file.touch:
    - name: __DIR__/timed
    - atime: 1000000000
    - mtime: 1100000000

deep:
  file.touch:
    - name: __DIR__/a/b/deep
    - makedirs: True

no_dir:
  file.touch:
    - name: __DIR__/none/here

relative:
  file.touch:
    - name: rel/x
