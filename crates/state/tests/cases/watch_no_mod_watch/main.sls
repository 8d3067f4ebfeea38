target:
  test.succeed_with_changes
missing_module:
  nosuch.thing:
    - watch:
      - test: target
    - watch_any:
      - test: target
after:
  test.nop:
    - watch:
      - nosuch: missing_module
