# Comments of many shapes: the outputter strips them and indents later lines.
empty_comment:
  test.configurable_test_state:
    - changes: False
    - comment: ""

padded_comment:
  test.configurable_test_state:
    - changes: False
    - comment: "   surrounded by blanks   \n\n"

list_comment:
  test.configurable_test_state:
    - changes: False
    - comment:
      - first item
      - second item

tabs_and_unicode:
  test.configurable_test_state:
    - changes: False
    - comment: "tab\there, accents: éàü, CJK: 日本, emoji: 😀"

crlf_comment:
  test.configurable_test_state:
    - changes: False
    - comment: "windows\r\nline endings\r\n"

numeric_comment:
  test.configurable_test_state:
    - changes: False
    - comment: 42
