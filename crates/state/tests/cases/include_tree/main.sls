include:
  - pkg
  - lib.*
main_state:
  test.nop:
    - require:
      - sls: pkg
