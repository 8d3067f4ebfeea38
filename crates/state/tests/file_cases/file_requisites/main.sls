conf:
  file.managed:
    - name: __DIR__/app.conf
    - source: salt://files/app.conf

restart:
  test.succeed_without_changes:
    - watch:
      - file: conf

on_change:
  test.succeed_with_changes:
    - onchanges:
      - file: conf

dir_first:
  file.directory:
    - name: __DIR__/data
    - require_in:
      - file: data_file

data_file:
  file.managed:
    - name: __DIR__/data/f
    - contents: data
