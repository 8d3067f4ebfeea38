notify_no_text:
  test.show_notification
cts_bad_changes:
  test.configurable_test_state:
    - changes: sometimes
cts_bad_result:
  test.configurable_test_state:
    - result: maybe
cts_bad_warnings:
  test.configurable_test_state:
    - warnings: 5
missing_fun:
  test.no_such_function
after:
  test.nop
