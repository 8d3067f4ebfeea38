many:
  test.configurable_test_state:
    - changes: False
    - comment: default comment
    - names:
      - first
      - second:
        - comment: second's comment
        - changes: True
      - third:
        - result: False
      - first
