extend:
  not_there:
    test:
      - comment: nope
here:
  test.nop
