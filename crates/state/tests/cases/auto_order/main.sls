z_first_defined:
  test.nop:
    - require:
      - test: y_second
y_second:
  test.nop
x_third:
  test.nop
w_fourth:
  test.nop:
    - require:
      - test: v_fifth
v_fifth:
  test.nop
