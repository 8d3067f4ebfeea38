# Parallel states: the total run time adds only the longest parallel duration.
serial:
  test.succeed_without_changes

par_one:
  test.succeed_with_changes:
    - parallel: True

par_two:
  test.succeed_without_changes:
    - parallel: True
