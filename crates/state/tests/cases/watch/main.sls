changer:
  test.succeed_with_changes
quiet:
  test.succeed_without_changes
watcher_fires:
  test.succeed_without_changes:
    - watch:
      - test: changer
      - test: quiet
watcher_quiet:
  test.succeed_without_changes:
    - watch:
      - test: quiet
watcher_own_changes:
  test.succeed_with_changes:
    - watch:
      - test: changer
watch_custom:
  test.succeed_without_changes:
    - comment: custom comment
    - watch:
      - test: changer
broken:
  test.fail_with_changes
watch_broken:
  test.nop:
    - watch:
      - test: broken
