include:
  - ...beyond
other_state:
  test.nop
