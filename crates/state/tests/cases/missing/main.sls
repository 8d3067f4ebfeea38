needs_missing:
  test.nop:
    - require:
      - test: nothere
    - watch:
      - nothere_either
    - onchanges:
      - sls: nosuchsls
fine:
  test.nop:
    - require:
      - test: needs_missing
