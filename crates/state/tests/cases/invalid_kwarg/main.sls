first:
  test.nop
bad_kwarg:
  test.configurable_test_state:
    - foo: bar
    - changes: False
two_bad:
  test.configurable_test_state:
    - foo: bar
    - baz: 1
after:
  test.nop
