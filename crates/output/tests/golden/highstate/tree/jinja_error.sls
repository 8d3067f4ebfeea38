# A template error: the run stops with "Data failed to compile".
{{ no_such_variable.attribute }}:
  test.nop
