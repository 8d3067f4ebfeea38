onlyif_true:
  test.succeed_with_changes:
    - onlyif: "true"
onlyif_false:
  test.succeed_with_changes:
    - onlyif: "false"
onlyif_list_mixed:
  test.succeed_with_changes:
    - onlyif:
      - "true"
      - "false"
unless_true:
  test.succeed_with_changes:
    - unless: "true"
unless_false:
  test.succeed_with_changes:
    - unless: "false"
unless_list:
  test.succeed_with_changes:
    - unless:
      - "false"
      - "true"
creates_exists:
  test.succeed_with_changes:
    - creates: /etc/passwd
creates_missing:
  test.succeed_with_changes:
    - creates: /nonexistent/salt-rs-file
creates_list:
  test.succeed_with_changes:
    - creates:
      - /etc/passwd
      - /etc/hostname-nonexistent-x
creates_list_all:
  test.succeed_with_changes:
    - creates:
      - /etc/passwd
      - /etc
both_true:
  test.succeed_with_changes:
    - onlyif: "true"
    - unless: "false"
onlyif_fun_true:
  test.succeed_with_changes:
    - onlyif:
      - fun: test.true
onlyif_fun_false:
  test.succeed_with_changes:
    - onlyif:
      - fun: test.false
unless_fun:
  test.succeed_with_changes:
    - unless:
      - fun: test.true
onlyif_fun_args:
  test.succeed_with_changes:
    - onlyif:
      - fun: test.echo
        args:
          - ""
onlyif_no_fun:
  test.succeed_with_changes:
    - onlyif:
      - args: [1]
skipped_watcher:
  test.succeed_without_changes:
    - onlyif: "false"
    - watch:
      - test: onlyif_true
