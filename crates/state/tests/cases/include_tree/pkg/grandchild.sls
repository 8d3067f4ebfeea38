grandchild_state:
  test.nop
