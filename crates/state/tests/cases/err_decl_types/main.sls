include: not_a_list
extend: also_not_a_dict
exclude: nope
fine:
  test.nop
