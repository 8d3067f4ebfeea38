one_a:
  test.nop
one_b:
  test.succeed_with_changes
