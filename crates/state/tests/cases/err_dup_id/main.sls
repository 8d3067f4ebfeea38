include:
  - other
same_id:
  test.nop
