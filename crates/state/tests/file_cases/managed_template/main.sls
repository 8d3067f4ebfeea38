from_source:
  file.managed:
    - name: __DIR__/app.conf
    - source: salt://files/app.conf.j2
    - template: jinja
    - defaults:
        owner: ops
        color: red
    - context:
        color: blue

contents_template:
  file.managed:
    - name: __DIR__/inline.txt
    - contents: "{% raw %}port {{ port }} on {{ pillar['app']['port'] }}{% endraw %}"
    - template: jinja
    - defaults:
        port: 1
    - context:
        port: 2

existing_template:
  file.managed:
    - name: __DIR__/existing.conf
    - source: salt://files/app.conf.j2
    - template: jinja
    - context:
        owner: dev
        color: green
        extra: yes
