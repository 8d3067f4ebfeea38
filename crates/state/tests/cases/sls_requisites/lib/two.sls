two_a:
  test.nop
