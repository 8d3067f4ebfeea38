ensure_after:
  file.line:
    - name: __DIR__/conf
    - mode: ensure
    - content: "    added = after-b"
    - after: "^    b ="

ensure_before:
  file.line:
    - name: __DIR__/conf
    - mode: ensure
    - content: "first = line"
    - before: "^\\[section\\]"

replace_match:
  file.line:
    - name: __DIR__/conf
    - mode: replace
    - match: "^    a ="
    - content: "a = changed"

delete_line:
  file.line:
    - name: __DIR__/conf
    - mode: delete
    - match: "^    c ="

insert_start:
  file.line:
    - name: __DIR__/list
    - mode: insert
    - location: start
    - content: "# header"

insert_end:
  file.line:
    - name: __DIR__/list
    - mode: insert
    - location: end
    - content: "last"

insert_after:
  file.line:
    - name: __DIR__/list
    - mode: insert
    - after: "^two$"
    - content: "two and a half"

hidden:
  file.line:
    - name: __DIR__/list2
    - mode: ensure
    - after: "^x$"
    - content: "y"
    - show_changes: False

ambiguous:
  file.line:
    - name: __DIR__/dups
    - mode: ensure
    - after: dup
    - content: z

no_mode:
  file.line:
    - name: __DIR__/list
    - content: z

no_content:
  file.line:
    - name: __DIR__/list
    - mode: ensure

missing_file:
  file.line:
    - name: __DIR__/nope
    - mode: ensure
    - content: x
    - after: y

create_it:
  file.line:
    - name: __DIR__/created
    - mode: insert
    - location: start
    - content: hello
    - create: True
