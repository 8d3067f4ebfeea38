many:
  test.succeed_with_changes:
    - names:
      - one
      - two
      - three
after:
  test.nop
