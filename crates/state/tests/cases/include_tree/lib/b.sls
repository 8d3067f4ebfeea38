lib_b:
  test.nop:
    - require:
      - sls: main
