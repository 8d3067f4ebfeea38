base_state:
  test.nop
req_in_src:
  test.nop:
    - require_in:
      - test: base_state
watch_in_src:
  test.succeed_with_changes:
    - watch_in:
      - test: base_state
onchanges_in_src:
  test.succeed_with_changes:
    - onchanges_in:
      - test: oc_target
oc_target:
  test.nop
onfail_in_src:
  test.fail_without_changes:
    - onfail_in:
      - test: of_target
of_target:
  test.nop
dict_form:
  test.nop:
    - require_in:
        test: base_state
bare_in:
  test.nop:
    - require_in:
      - base_state
name_in:
  test.nop:
    - require_in:
      - named target
named:
  test.nop:
    - name: named target
