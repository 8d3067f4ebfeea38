name_only:
  name: bar
module_list_of_strings:
  test:
    - nop
    - name: x
