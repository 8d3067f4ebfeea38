include:
  - .child
  - ..top_level
pkg_state:
  test.succeed_with_changes
