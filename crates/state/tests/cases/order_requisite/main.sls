late:
  test.nop:
    - order: last
early_needs_late:
  test.nop:
    - order: first
    - require:
      - test: late
middle:
  test.nop
