simple:
  file.replace:
    - name: __DIR__/cfg
    - pattern: "^port = \\d+$"
    - repl: "port = 9090"

backref:
  file.replace:
    - name: __DIR__/cfg
    - pattern: "^(host) = (\\w+)$"
    - repl: "\\1 = new-\\2"

count_one:
  file.replace:
    - name: __DIR__/many
    - pattern: "a"
    - repl: "b"
    - count: 1
    - backup: False

ignorecase:
  file.replace:
    - name: __DIR__/many
    - pattern: "^HELLO"
    - repl: "hi"
    - flags:
      - IGNORECASE
      - MULTILINE
    - backup: False

append_missing:
  file.replace:
    - name: __DIR__/cfg
    - pattern: "^timeout = .*$"
    - repl: "timeout = 30"
    - append_if_not_found: True

prepend_missing:
  file.replace:
    - name: __DIR__/cfg
    - pattern: "^# top$"
    - repl: "# top"
    - prepend_if_not_found: True

not_found_content:
  file.replace:
    - name: __DIR__/cfg
    - pattern: "^debug = .*$"
    - repl: "debug = yes"
    - not_found_content: "debug = no"
    - append_if_not_found: True

no_match:
  file.replace:
    - name: __DIR__/cfg
    - pattern: "^nothing here$"
    - repl: "x"

hidden:
  file.replace:
    - name: __DIR__/many
    - pattern: "zzz"
    - repl: "yyy"
    - show_changes: False
    - backup: False

missing_ok:
  file.replace:
    - name: __DIR__/nope
    - pattern: x
    - repl: y
    - ignore_if_missing: True

missing:
  file.replace:
    - name: __DIR__/nope
    - pattern: x
    - repl: y

binary:
  file.replace:
    - name: __DIR__/bin
    - pattern: x
    - repl: y
