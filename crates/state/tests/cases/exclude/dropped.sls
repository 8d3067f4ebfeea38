from_dropped:
  test.nop
