to_extend:
  test.succeed_without_changes:
    - comment: original
    - require:
      - test: orig_req
orig_req:
  test.nop
replace_fun:
  test.nop
named_one:
  test.nop:
    - name: by_name_target
new_module:
  test.nop
