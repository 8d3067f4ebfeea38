include:
  - lib.one
  - lib.two
needs_lib:
  test.nop:
    - require:
      - sls: lib.one
watch_lib:
  test.nop:
    - watch:
      - sls: lib.*
in_to_lib:
  test.nop:
    - require_in:
      - sls: lib.two
