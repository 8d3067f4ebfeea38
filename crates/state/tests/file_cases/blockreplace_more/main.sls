before_match:
  file.blockreplace:
    - name: __DIR__/a
    - content: inserted before
    - insert_before_match: "^third"
    - backup: False

crlf:
  file.blockreplace:
    - name: __DIR__/crlf
    - content: new body
    - backup: False

unchanged:
  file.blockreplace:
    - name: __DIR__/same
    - content: "same body\n"

no_newline_after:
  file.blockreplace:
    - name: __DIR__/nn
    - content: tight
    - append_newline: False
    - append_if_not_found: True
    - backup: False

empty_file:
  file.blockreplace:
    - name: __DIR__/empty
    - content: into empty
    - prepend_if_not_found: True
    - backup: False

two_placements:
  file.blockreplace:
    - name: __DIR__/a
    - content: x
    - append_if_not_found: True
    - prepend_if_not_found: True
