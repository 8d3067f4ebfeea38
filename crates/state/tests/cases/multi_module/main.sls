shared_id:
  test.succeed_with_changes:
    - name: via test
  nosuch.thing:
    - name: via missing module
  also.missing:
    - name: via another missing module
other:
  test.nop:
    - require:
      - test: shared_id
