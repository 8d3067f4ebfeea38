changed:
  file.managed:
    - name: __DIR__/conf.txt
    - source: salt://files/conf.txt

hidden:
  file.managed:
    - name: __DIR__/secret.txt
    - source: salt://files/conf.txt
    - show_changes: False

to_binary:
  file.managed:
    - name: __DIR__/tobin.dat
    - source: salt://files/bin.dat

bin_to_bin:
  file.managed:
    - name: __DIR__/binbin.dat
    - source: salt://files/bin.dat

mode_only:
  file.managed:
    - name: __DIR__/same.txt
    - source: salt://files/conf.txt
    - mode: 0600

last_line:
  file.managed:
    - name: __DIR__/lastline.txt
    - source: salt://files/nonl.txt
