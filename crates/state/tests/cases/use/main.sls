template:
  test.configurable_test_state:
    - changes: False
    - comment: from the template
    - require:
      - test: base
user:
  test.configurable_test_state:
    - use:
      - test: template
user_override:
  test.configurable_test_state:
    - comment: mine
    - use:
      - test: template
base:
  test.nop
giver:
  test.configurable_test_state:
    - comment: given by use_in
    - result: True
    - use_in:
      - test: receiver
receiver:
  test.configurable_test_state:
    - changes: False
