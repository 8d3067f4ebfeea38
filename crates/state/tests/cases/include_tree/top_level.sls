top_level_state:
  test.nop
