include:
  - inc
needs_main:
  test.nop:
    - require:
      - sls: main
