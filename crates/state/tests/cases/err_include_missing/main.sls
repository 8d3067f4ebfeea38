include:
  - nothere
  - other
here:
  test.nop
