include:
  - dropped
  - ext
exclude:
  - ext
keep:
  test.nop
