check_cmd_fails:
  test.succeed_with_changes:
    - check_cmd:
      - "false"
check_cmd_ok:
  test.fail_without_changes:
    - check_cmd:
      - "true"
get_return_false:
  test.succeed_with_changes:
    - onlyif:
      - fun: test.echo
        args:
          - k: ""
        get_return: k
get_return_true:
  test.succeed_with_changes:
    - onlyif:
      - fun: test.echo
        args:
          - k:
              - "yes"
        get_return: k:0
onlyif_unless_both_skip:
  test.succeed_with_changes:
    - onlyif: "false"
    - unless: "true"
creates_and_watch:
  test.succeed_without_changes:
    - creates: /etc/passwd
    - watch:
      - test: check_cmd_fails
unless_bad_type:
  test.succeed_with_changes:
    - unless:
      - 42
onlyif_bad_type:
  test.succeed_with_changes:
    - onlyif:
      - 42
