list_arg:
  test.nop:
    - [a, b]
number_arg:
  test.nop:
    - 5
numeric_names:
  test.succeed_without_changes:
    - names:
      - 1
      - two
      - 3.5
bad_umask:
  test.nop:
    - umask: xyz
good_umask:
  test.nop:
    - umask: "022"
empty_name:
  test.nop:
    - name: ""
state_override:
  test.nop:
    - state: other
unicode_ïd:
  test.succeed_with_changes:
    - name: "naïve ☃"
