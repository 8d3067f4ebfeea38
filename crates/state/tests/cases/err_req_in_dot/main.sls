src:
  test.nop:
    - require_in:
      - test.nop: tgt
tgt:
  test.nop
