all_good:
  test.check_pillar:
    - present:
      - foo
      - nested:deep:value
    - integer: count
    - boolean:
      - flag
    - string: foo
    - listing: items
    - dictionary: nested
    - verbose: True
bool_is_int:
  test.check_pillar:
    - integer:
      - flag
wrong_types:
  test.check_pillar:
    - string:
      - count
      - missing_key
    - dictionary:
      - items
    - listing:
      - missing_key
nothing_to_check:
  test.check_pillar
bad_list:
  test.check_pillar:
    - present:
        a: b
