would_change:
  test.succeed_with_changes
no_change:
  test.succeed_without_changes
oc_follows:
  test.succeed_with_changes:
    - onchanges:
      - test: would_change
oc_not:
  test.nop:
    - onchanges:
      - test: no_change
watch_follows:
  test.succeed_without_changes:
    - watch:
      - test: would_change
req_on_none:
  test.nop:
    - require:
      - test: would_change
onfail_none:
  test.nop:
    - onfail:
      - test: would_change
failing:
  test.fail_without_changes:
    - failhard: True
after_fail:
  test.nop
