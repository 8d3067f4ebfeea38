insert_before:
  file.line:
    - name: __DIR__/a
    - mode: insert
    - before: "^two$"
    - content: one and a half

insert_before_first:
  file.line:
    - name: __DIR__/b
    - mode: insert
    - before: "^first$"
    - content: zeroth

ensure_between:
  file.line:
    - name: __DIR__/c
    - mode: ensure
    - after: "^begin$"
    - before: "^end$"
    - content: middle

ensure_replace_between:
  file.line:
    - name: __DIR__/d
    - mode: ensure
    - after: "^begin$"
    - before: "^end$"
    - content: middle

delete_nothing:
  file.line:
    - name: __DIR__/a
    - mode: delete
    - match: "^no such line$"

replace_by_content:
  file.line:
    - name: __DIR__/e
    - mode: replace
    - content: "  keep = me"

no_indent:
  file.line:
    - name: __DIR__/f
    - mode: ensure
    - after: "^    key"
    - content: "    flat"
    - indent: False

end_no_newline:
  file.line:
    - name: __DIR__/g
    - mode: insert
    - location: end
    - content: appended

unknown_mode:
  file.line:
    - name: __DIR__/a
    - mode: sideways
    - content: x
