# A requisite on a state that does not exist: a compile error.
lonely:
  test.nop:
    - require:
      - test: does_not_exist
