just_a_string: hello
a_list:
  - test.nop
fine:
  test.nop
