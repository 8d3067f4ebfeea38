lib_a:
  test.nop
