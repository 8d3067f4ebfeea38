from_kept:
  test.nop
