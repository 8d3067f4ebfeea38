broken:
  test.fail_without_changes
recover:
  test.succeed_with_changes:
    - onfail:
      - test: broken
after_recover:
  test.nop:
    - require:
      - test: recover
stop_false:
  test.nop:
    - onfail_stop: False
    - onfail:
      - test: broken
