listener:
  test.nop:
    - listen:
      - test: nothere
changer:
  test.succeed_with_changes:
    - listen_in:
      - test: also_nothere
