# One ID, several names: the _id output modes and state_compress_ids.
many_names:
  test.configurable_test_state:
    - names:
      - first name
      - second name
      - third name
    - changes: True

many_names_failing:
  test.configurable_test_state:
    - names:
      - fail one
      - fail two
    - changes: False
    - result: False

single:
  test.succeed_without_changes:
    - name: single name
