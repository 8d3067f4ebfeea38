{%- from 'cluster.jinja' import cluster with context %}
# 001: `hostnamectl set-hostname master1` and an /etc/hosts line per node,
# from the node list instead of by hand.
common-hostname:
  cmd.run:
    - name: hostnamectl set-hostname {{ cluster.me.hostname }}
    - unless: test "$(hostname)" = "{{ cluster.me.hostname }}"

common-hosts:
  file.blockreplace:
    - name: /etc/hosts
    - marker_start: '# BEGIN kubernetes nodes (managed by salt)'
    - marker_end: '# END kubernetes nodes (managed by salt)'
    - content: |
{%- for node in cluster.nodes %}
        {{ node.ip }} {{ node.get('hostname', node.id) }}
{%- endfor %}
    - append_if_not_found: True
