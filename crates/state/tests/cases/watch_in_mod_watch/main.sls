config:
  test.succeed_with_changes:
    - watch_in:
      - test: service
service:
  test.succeed_without_changes:
    - name: svc
also:
  test.succeed_with_changes:
    - watch_in:
      - test: service
