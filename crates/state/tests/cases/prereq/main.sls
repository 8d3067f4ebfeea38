will_change:
  test.succeed_with_changes
wont_change:
  test.succeed_without_changes
pre_runs:
  test.succeed_with_changes:
    - prereq:
      - test: will_change
pre_skipped:
  test.succeed_with_changes:
    - prereq:
      - test: wont_change
broken_target:
  test.fail_with_changes
pre_on_broken:
  test.nop:
    - prereq:
      - test: broken_target
