nop:
  test.nop:
    - foo: bar
swoc:
  test.succeed_without_changes
swoc_comment:
  test.succeed_without_changes:
    - comment: my comment
swc:
  test.succeed_with_changes
fwoc:
  test.fail_without_changes
fwoc_comment:
  test.fail_without_changes:
    - comment: failing comment
fwc:
  test.fail_with_changes
cts_default:
  test.configurable_test_state
cts_no_changes:
  test.configurable_test_state:
    - changes: False
cts_fail:
  test.configurable_test_state:
    - result: False
    - comment: it failed
cts_fail_allowed:
  test.configurable_test_state:
    - result: False
    - allow_test_mode_failure: True
cts_warnings_str:
  test.configurable_test_state:
    - warnings: a warning
cts_warnings_list:
  test.configurable_test_state:
    - changes: False
    - warnings:
      - one
      - two
notify:
  test.show_notification:
    - text: Hello there
