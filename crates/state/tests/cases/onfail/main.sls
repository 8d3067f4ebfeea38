broken:
  test.fail_without_changes
fine:
  test.succeed_without_changes
handler:
  test.succeed_with_changes:
    - onfail:
      - test: broken
not_triggered:
  test.nop:
    - onfail:
      - test: fine
mixed_onfail:
  test.nop:
    - onfail:
      - test: fine
      - test: broken
any_handler:
  test.nop:
    - onfail_any:
      - test: fine
      - test: broken
all_handler:
  test.nop:
    - onfail_all:
      - test: fine
      - test: broken
broken2:
  test.fail_with_changes
all_handler_both_fail:
  test.nop:
    - onfail_all:
      - test: broken
      - test: broken2
