retried:
  test.fail_without_changes:
    - retry:
        attempts: 3
        until: True
        interval: 0
until_false:
  test.fail_without_changes:
    - retry:
        attempts: 2
        until: False
        interval: 0
succeeds_first:
  test.succeed_without_changes:
    - retry:
        attempts: 3
        interval: 0
bad_values:
  test.fail_without_changes:
    - retry:
        attempts: two
        interval: 0
        splay: 0
