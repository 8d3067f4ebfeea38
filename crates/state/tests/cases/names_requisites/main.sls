pkgs:
  test.succeed_with_changes:
    - names:
      - alpha
      - beta
needs_alpha:
  test.nop:
    - require:
      - test: alpha
needs_all:
  test.nop:
    - require:
      - test: pkgs
names_with_req:
  test.nop:
    - names:
      - x1
      - x2:
        - require:
          - test: needs_alpha
