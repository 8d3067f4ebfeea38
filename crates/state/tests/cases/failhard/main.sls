first:
  test.nop
hard_fail:
  test.fail_without_changes:
    - failhard: True
never_reached:
  test.nop
