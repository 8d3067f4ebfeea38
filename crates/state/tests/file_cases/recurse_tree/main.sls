site:
  file.recurse:
    - name: __DIR__/www
    - source: salt://files/site
    - template: jinja
    - defaults:
        color: teal
    - file_mode: 640
    - dir_mode: 750
    - exclude_pat: "*.tmp"
    - include_empty: True

site_clean:
  file.recurse:
    - name: __DIR__/www2
    - source: salt://files/site/
    - clean: True
    - include_pat: "E@(index|conf)"

missing_dir:
  file.recurse:
    - name: __DIR__/www3
    - source: salt://files/nosuchdir

not_salt:
  file.recurse:
    - name: __DIR__/www4
    - source: /etc

mode_arg:
  file.recurse:
    - name: __DIR__/www5
    - source: salt://files/site
    - mode: 644

update:
  file.recurse:
    - name: __DIR__/www6
    - source: salt://files/site
    - exclude_pat: E@tmp$
