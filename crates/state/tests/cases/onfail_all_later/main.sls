handler:
  test.succeed_with_changes:
    - onfail_all:
      - test: defined_later
defined_later:
  test.fail_without_changes
after:
  test.nop
