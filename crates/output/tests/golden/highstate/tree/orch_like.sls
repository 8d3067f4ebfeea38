# A state whose name makes the outputter treat its changes as nested highstate output.
state.sls:
  test.configurable_test_state:
    - changes: False
    - comment: named like an orchestration step
