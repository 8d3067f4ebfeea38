changer:
  test.succeed_with_changes
quiet:
  test.succeed_without_changes
listener:
  test.succeed_without_changes:
    - listen:
      - test: changer
quiet_listener:
  test.succeed_without_changes:
    - listen:
      - test: quiet
by_id_listener:
  test.nop:
    - listen:
      - changer
listen_in_src:
  test.succeed_with_changes:
    - listen_in:
      - test: listen_in_target
listen_in_target:
  test.nop
after_all:
  test.nop
