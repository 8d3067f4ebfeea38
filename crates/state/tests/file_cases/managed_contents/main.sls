single_line:
  file.managed:
    - name: __DIR__/single.txt
    - contents: just one line

multi_line:
  file.managed:
    - name: __DIR__/multi.txt
    - contents: |
        first
        second

        fourth after a blank

as_list:
  file.managed:
    - name: __DIR__/list.txt
    - contents:
      - one
      - two
      - 3

no_trailing_newline:
  file.managed:
    - name: __DIR__/nonl.txt
    - contents: no newline please
    - contents_newline: False

number:
  file.managed:
    - name: __DIR__/number.txt
    - contents: 42

from_pillar:
  file.managed:
    - name: __DIR__/ssh.pub
    - contents_pillar: keys:ssh
    - mode: '0600'

pillar_list:
  file.managed:
    - name: __DIR__/pillar_list.txt
    - contents_pillar:
      - keys:multi
      - nested:deep:value

pillar_delim:
  file.managed:
    - name: __DIR__/delim.txt
    - contents_pillar: nested/deep/value
    - contents_delimiter: /

update_existing:
  file.managed:
    - name: __DIR__/existing.txt
    - contents: |
        new first
        second

pillar_missing:
  file.managed:
    - name: __DIR__/missing.txt
    - contents_pillar: keys:nope

empty_not_allowed:
  file.managed:
    - name: __DIR__/empty.txt
    - contents_pillar: empty
    - allow_empty: False

both_given:
  file.managed:
    - name: __DIR__/both.txt
    - contents: x
    - source: salt://whatever

two_contents:
  file.managed:
    - name: __DIR__/two.txt
    - contents: x
    - contents_pillar: keys:ssh

empty_list:
  file.managed:
    - name: __DIR__/emptylist.txt
    - contents: []
