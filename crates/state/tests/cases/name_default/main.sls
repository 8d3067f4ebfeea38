plain_id:
  test.nop
with_name:
  test.succeed_without_changes:
    - name: the real name
number_name:
  test.nop:
    - name: 42
short_string: test.succeed_with_changes
