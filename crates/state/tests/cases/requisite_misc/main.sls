dup_target:
  test.succeed_with_changes
dup_req:
  test.nop:
    - require:
      - test: dup_target
      - test: dup_target
      - dup_target
names_onchanges:
  test.succeed_with_changes:
    - names:
      - c1
      - c2
oc_names:
  test.nop:
    - onchanges:
      - test: names_onchanges
any_missing:
  test.nop:
    - require_any:
      - test: nothere
      - test: dup_target
watch_in_names:
  test.succeed_with_changes:
    - names:
      - w1
    - watch_in:
      - test: dup_req
