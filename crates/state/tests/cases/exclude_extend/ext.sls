extend:
  target:
    test:
      - name: renamed
ext_own:
  test.nop
