{#- A small, harmless state for the demo (scripts/demo.sh) and for trying
    salt-rs out: everything it writes is under the minion's root_dir. It
    reads grains and the cluster's pillar, as the real formulas do. #}
{%- set root = opts.get('root_dir', '/') | path_join('srv', 'hello') %}
{%- set k8s = salt['pillar.get']('k8s', {}) %}

hello_dir:
  file.directory:
    - name: {{ root }}
    - makedirs: True

hello_motd:
  file.managed:
    - name: {{ root }}/motd
    - source: salt://hello/motd.j2
    - template: jinja
    - context:
        nodes: {{ k8s.get('nodes', []) | map(attribute='id') | list | tojson }}
    - require:
      - file: hello_dir

hello_stamp:
  cmd.run:
    - name: date -u +%FT%TZ > {{ root }}/first-applied
    - unless: test -s {{ root }}/first-applied
    - require:
      - file: hello_motd
