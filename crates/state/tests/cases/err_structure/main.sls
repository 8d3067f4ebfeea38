trailing_colon:
  test.nop:
not_a_list:
  test:
    name: foo
no_function:
  test:
    - name: x
two_functions:
  test.nop:
    - succeed_with_changes
whitespace_fun:
  test:
    - "nop now"
names_not_list:
  test.nop:
    - names: single
require_not_list:
  test.nop:
    - require: single
req_not_single_key:
  test.nop:
    - require:
      - [a, b]
dotted_req:
  test.nop:
    - require:
      - test.nop: fine
multi_key_arg:
  test.nop:
    - name: a
      other: b
fine:
  test.nop
