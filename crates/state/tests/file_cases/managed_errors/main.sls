missing_source:
  file.managed:
    - name: __DIR__/a.txt
    - source: salt://files/nope.txt

missing_in_list:
  file.managed:
    - name: __DIR__/b.txt
    - source:
      - salt://files/nope1.txt
      - salt://files/nope2.txt

no_parent:
  file.managed:
    - name: __DIR__/no/such/dir/c.txt
    - source: salt://files/ok.txt

no_parent_contents:
  file.managed:
    - name: __DIR__/no/such/dir/c2.txt
    - contents: hi

bad_user:
  file.managed:
    - name: __DIR__/d.txt
    - source: salt://files/ok.txt
    - user: no-such-user-salt

bad_group:
  file.managed:
    - name: __DIR__/e.txt
    - source: salt://files/ok.txt
    - group: no-such-group-salt

bad_both:
  file.managed:
    - name: __DIR__/e2.txt
    - source: salt://files/ok.txt
    - user: no-such-user-salt
    - group: no-such-group-salt

relative:
  file.managed:
    - name: relative/path.txt
    - source: salt://files/ok.txt

is_a_dir:
  file.managed:
    - name: __DIR__/adir
    - source: salt://files/ok.txt

context_not_dict:
  file.managed:
    - name: __DIR__/f.txt
    - source: salt://files/ok.txt
    - template: jinja
    - context: [1, 2]

defaults_not_dict:
  file.managed:
    - name: __DIR__/f2.txt
    - source: salt://files/ok.txt
    - template: jinja
    - defaults: notadict

local_missing:
  file.managed:
    - name: __DIR__/g.txt
    - source: __DIR__/no-local-source

bad_template:
  file.managed:
    - name: __DIR__/h.txt
    - source: salt://files/broken.j2
    - template: jinja

bad_engine:
  file.managed:
    - name: __DIR__/i.txt
    - source: salt://files/ok.txt
    - template: mako2
