include:
  - other
by_mod_id:
  test.nop:
    - require:
      - test: target_id
by_bare_id:
  test.nop:
    - require:
      - target_id
by_name:
  test.nop:
    - require:
      - test: target name
by_sls:
  test.nop:
    - require:
      - sls: other
by_glob:
  test.nop:
    - require:
      - test: target_*
target_id:
  test.succeed_with_changes:
    - name: target name
