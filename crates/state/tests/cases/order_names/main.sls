late:
  test.nop:
    - order: 10
    - names:
      - b
      - a
      - c
early:
  test.nop:
    - order: 2
plain:
  test.nop
bool_order:
  test.nop:
    - order: True
float_order:
  test.nop:
    - order: 1.5
