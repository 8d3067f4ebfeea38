# Not valid YAML: the run stops with "Data failed to compile".
broken:
  test.nop:
    - name: [unclosed
