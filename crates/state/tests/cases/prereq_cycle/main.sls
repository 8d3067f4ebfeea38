a:
  test.succeed_with_changes:
    - name: aname
    - prereq:
      - test: b
b:
  test.succeed_with_changes:
    - require:
      - test: aname
c:
  test.succeed_without_changes:
    - name: cname
    - prereq:
      - test: d
d:
  test.succeed_without_changes:
    - require:
      - test: cname
