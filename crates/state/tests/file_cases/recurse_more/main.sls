no_replace:
  file.recurse:
    - name: __DIR__/t1
    - source: salt://files/src
    - replace: False

clean_swap:
  file.recurse:
    - name: __DIR__/t2
    - source: salt://files/src
    - clean: True

from_list:
  file.recurse:
    - name: __DIR__/t3
    - source:
      - salt://files/missing
      - salt://files/src
    - maxdepth: 0

not_a_dir:
  file.recurse:
    - name: __DIR__/plainfile
    - source: salt://files/src
