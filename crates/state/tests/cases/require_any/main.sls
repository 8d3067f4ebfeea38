bad:
  test.fail_without_changes
good:
  test.succeed_without_changes
any_ok:
  test.nop:
    - require_any:
      - test: bad
      - test: good
any_all_bad:
  test.nop:
    - require_any:
      - test: bad
      - test: bad2
bad2:
  test.fail_with_changes
