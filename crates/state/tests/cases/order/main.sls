a_last:
  test.nop:
    - order: last
b_plain:
  test.nop
c_first:
  test.nop:
    - order: first
d_five:
  test.nop:
    - order: 5
e_one:
  test.nop:
    - order: 1
f_negative:
  test.nop:
    - order: -1
g_string:
  test.nop:
    - order: sometime
h_names:
  test.nop:
    - order: 3
    - names:
      - zz
      - aa
