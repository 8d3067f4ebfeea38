saltenv_url:
  file.managed:
    - name: __DIR__/env.txt
    - source: salt://files/one.txt?saltenv=base

tpl_makedirs:
  file.managed:
    - name: __DIR__/made/by/tpl.txt
    - source: salt://files/tpl/t.j2
    - template: jinja
    - makedirs: True
    - mode: 640
    - myvar: from-kwargs

no_replace_missing:
  file.managed:
    - name: __DIR__/created-anyway.txt
    - source: salt://files/one.txt
    - replace: False

grain_missing:
  file.managed:
    - name: __DIR__/grain.txt
    - contents_grains: nonexistent_grain_for_salt_rs_tests

empty_contents:
  file.managed:
    - name: __DIR__/empty-contents.txt
    - contents: ''

keep_existing_mode:
  file.managed:
    - name: __DIR__/keepmode.txt
    - contents: updated
