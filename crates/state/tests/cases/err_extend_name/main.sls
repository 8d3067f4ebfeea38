extend:
  target: just_a_string
target:
  test.nop
