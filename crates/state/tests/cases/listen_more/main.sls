pkgs:
  test.succeed_with_changes:
    - names:
      - p1
      - p2
svc:
  test.nop:
    - listen:
      - test: p1
by_name_in:
  test.succeed_with_changes:
    - name: the name
    - listen_in:
      - test: svc2
svc2:
  test.succeed_without_changes:
    - comment: svc2 comment
quiet:
  test.nop:
    - listen_in:
      - test: svc2
