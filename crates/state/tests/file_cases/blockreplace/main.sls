existing_block:
  file.blockreplace:
    - name: __DIR__/hosts
    - marker_start: "# BEGIN managed"
    - marker_end: "# END managed"
    - content: |
        10.0.0.1 one
        10.0.0.2 two

append_block:
  file.blockreplace:
    - name: __DIR__/plain
    - content: appended line
    - append_if_not_found: True
    - backup: False

prepend_block:
  file.blockreplace:
    - name: __DIR__/plain2
    - marker_start: "## start"
    - marker_end: "## end"
    - content: "top\nlines"
    - prepend_if_not_found: True
    - append_newline: True

after_match:
  file.blockreplace:
    - name: __DIR__/plain3
    - content: inserted
    - insert_after_match: "^second"

no_markers:
  file.blockreplace:
    - name: __DIR__/plain4
    - content: x

from_source:
  file.blockreplace:
    - name: __DIR__/templated
    - source: salt://files/block.j2
    - context:
        who: template
    - append_if_not_found: True

hidden:
  file.blockreplace:
    - name: __DIR__/hidden
    - content: secret
    - append_if_not_found: True
    - show_changes: False

missing_file:
  file.blockreplace:
    - name: __DIR__/nope
    - content: x

unterminated:
  file.blockreplace:
    - name: __DIR__/broken
    - content: x
