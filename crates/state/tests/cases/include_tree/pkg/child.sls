include:
  - .grandchild
child_state:
  test.nop
