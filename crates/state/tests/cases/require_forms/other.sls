in_other:
  test.nop
also_other:
  test.succeed_without_changes
