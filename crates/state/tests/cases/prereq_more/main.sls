pre_fails:
  test.fail_without_changes:
    - prereq:
      - test: target
target:
  test.succeed_with_changes
pre_names:
  test.succeed_with_changes:
    - prereq:
      - test: n1
names_target:
  test.succeed_with_changes:
    - names:
      - n1
      - n2
pre_missing:
  test.nop:
    - prereq:
      - test: nothere
