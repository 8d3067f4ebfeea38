accepted:
  file.managed:
    - name: __DIR__/good.conf
    - source: salt://files/site.conf
    - check_cmd: grep -q listen

refused:
  file.managed:
    - name: __DIR__/bad.conf
    - source: salt://files/site.conf
    - check_cmd: "false"

refused_with_output:
  file.managed:
    - name: __DIR__/loud.conf
    - contents: loud
    - check_cmd: "echo checked; echo complaint >&2; false #"

unchanged_not_checked:
  file.managed:
    - name: __DIR__/same.conf
    - source: salt://files/site.conf
    - check_cmd: "false"

watcher:
  test.succeed_without_changes:
    - watch:
      - file: refused
