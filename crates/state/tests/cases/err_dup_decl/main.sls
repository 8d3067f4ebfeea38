two_of_a_kind:
  test.nop: []
  test.succeed_with_changes: []
