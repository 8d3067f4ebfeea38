include:
  - dropped
  - kept
exclude:
  - sls: dropped
  - id: drop_me
drop_me:
  test.nop
keep_me:
  test.nop
