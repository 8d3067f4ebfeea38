include:
  - base_states
extend:
  to_extend:
    test:
      - comment: extended comment
      - require:
        - test: extra_req
  replace_fun:
    test:
      - succeed_with_changes
  by_name_target:
    test:
      - comment: found by name
  new_module:
    other:
      - run
extra_req:
  test.nop
