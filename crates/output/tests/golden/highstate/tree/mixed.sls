# Every kind of result the test state module can give, in one run.
changed:
  test.succeed_with_changes

unchanged:
  test.succeed_without_changes

failed:
  test.fail_without_changes

failed_with_changes:
  test.fail_with_changes

nop:
  test.nop

notification:
  test.show_notification:
    - text: "A notification, shown as the comment"

id_differs_from_name:
  test.succeed_without_changes:
    - name: a name that is not the id

multi_line_comment:
  test.configurable_test_state:
    - changes: False
    - result: True
    - comment: "first line\nsecond line\n  indented third line\n"

custom_changes_failed:
  test.configurable_test_state:
    - changes: True
    - result: False
    - comment: "failed, with changes"

needs_failed:
  test.succeed_with_changes:
    - require:
      - test: failed

onchanges_unchanged:
  test.succeed_with_changes:
    - onchanges:
      - test: unchanged

onfail_ran:
  test.succeed_without_changes:
    - onfail:
      - test: failed
