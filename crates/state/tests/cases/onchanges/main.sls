changer:
  test.succeed_with_changes
quiet:
  test.succeed_without_changes
runs:
  test.nop:
    - onchanges:
      - test: changer
skipped:
  test.nop:
    - onchanges:
      - test: quiet
mixed:
  test.nop:
    - onchanges:
      - test: quiet
      - test: changer
any_runs:
  test.nop:
    - onchanges_any:
      - test: quiet
      - test: changer
any_skipped:
  test.nop:
    - onchanges_any:
      - test: quiet
broken:
  test.fail_with_changes
on_broken:
  test.nop:
    - onchanges:
      - test: broken
