# Warnings are wrapped at 80 columns, 14 spaces in.
one_warning:
  test.configurable_test_state:
    - changes: False
    - warnings: A warning

long_warnings:
  test.configurable_test_state:
    - changes: True
    - result: False
    - warnings:
      - "This warning is long enough that the outputter has to wrap it over more than one line of text, at eighty columns."
      - "A second warning with a well-known hyphenated-word and a very-very-long-hyphenated-compound-word-that-keeps-going-on-and-on-until-it-must-be-broken-somewhere."
      - "short"

no_warning:
  test.succeed_without_changes
