by_name:
  test.nop:
    - name: cname
    - require:
      - test: cname
by_glob:
  test.nop:
    - watch:
      - test: by_gl*
fine:
  test.nop:
    - require:
      - test: by_name
