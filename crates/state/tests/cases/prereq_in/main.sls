stop_service:
  test.succeed_with_changes:
    - prereq_in:
      - test: deploy
deploy:
  test.succeed_with_changes
