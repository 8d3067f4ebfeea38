one_line:
  file.append:
    - name: __DIR__/motd
    - text: Welcome aboard

many_lines:
  file.append:
    - name: __DIR__/motd
    - text:
      - first extra
      - "second   extra   with spaces"

already_there:
  file.append:
    - name: __DIR__/motd
    - text: "existing   line"

exact_whitespace:
  file.append:
    - name: __DIR__/motd
    - text: "existing   line"
    - ignore_whitespace: False

new_file:
  file.append:
    - name: __DIR__/fresh
    - text: hello

new_deep:
  file.append:
    - name: __DIR__/a/b/fresh
    - text: deep
    - makedirs: True

from_source:
  file.append:
    - name: __DIR__/motd2
    - source: salt://files/extra.j2
    - context:
        src: template

no_newline_end:
  file.append:
    - name: __DIR__/nonl
    - text: tail
