broken:
  test.fail_without_changes
also_broken:
  test.fail_with_changes
needs_broken:
  test.nop:
    - require:
      - test: broken
needs_both:
  test.nop:
    - require:
      - test: broken
      - test: also_broken
      - test: fine
needs_needs:
  test.nop:
    - require:
      - test: needs_broken
fine:
  test.nop
