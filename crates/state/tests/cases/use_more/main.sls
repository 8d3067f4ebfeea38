src:
  test.configurable_test_state:
    - changes: False
    - comment: src comment
    - warnings: from src
    - onchanges:
      - test: src_dep
src_dep:
  test.succeed_with_changes
user_by_id:
  test.configurable_test_state:
    - use:
      - src
multi_use:
  test.configurable_test_state:
    - use:
      - test: src
      - test: other_src
other_src:
  test.configurable_test_state:
    - result: False
    - comment: other comment
