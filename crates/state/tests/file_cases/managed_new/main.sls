plain:
  file.managed:
    - name: __DIR__/plain.txt
    - source: salt://files/plain.txt

from_list:
  file.managed:
    - name: __DIR__/list.txt
    - source:
      - salt://files/missing.txt
      - salt://files/sub/second.txt

mode_int:
  file.managed:
    - name: __DIR__/mode_int.txt
    - source: salt://files/plain.txt
    - mode: 600

mode_str:
  file.managed:
    - name: __DIR__/mode_str.txt
    - source: salt://files/plain.txt
    - mode: '0640'
    - user: root
    - group: root

deep:
  file.managed:
    - name: __DIR__/a/b/c/deep.txt
    - source: salt://files/plain.txt
    - makedirs: True
    - mode: 644

deep_dir_mode:
  file.managed:
    - name: __DIR__/x/y/deep.txt
    - source: salt://files/plain.txt
    - makedirs: True
    - dir_mode: 750

no_newline:
  file.managed:
    - name: __DIR__/nonl.txt
    - source: salt://files/nonl.txt

empty_new:
  file.managed:
    - name: __DIR__/empty.txt
