changer:
  test.succeed_with_changes
broken:
  test.fail_without_changes
wa:
  test.succeed_without_changes:
    - watch_any:
      - test: changer
      - test: broken
wa_all_bad:
  test.nop:
    - watch_any:
      - test: broken
