first:
  test.nop:
    - require:
      - test: hard_fail
hard_fail:
  test.fail_with_changes:
    - failhard: True
never_reached:
  test.nop
