{%- from 'k8s/map.jinja' import k8s with context %}
# 004: `kubectl label node ...` and `kubectl taint nodes ...`, from the
# node list's labels and taints, applied by the init master to nodes that
# have joined (a node not there yet is skipped until the next run).
{%- set kubectl = k8s.kubectl %}
{%- for node in salt['pillar.get']('k8s:nodes', []) %}
{%-   set name = node.get('hostname', node.id) %}
{%-   for key, value in node.get('labels', {}) | dictsort %}

k8s-label-{{ node.id }}-{{ key }}:
  cmd.run:
    - name: {{ kubectl }} label node {{ name }} '{{ key }}={{ value }}' --overwrite
    - onlyif: {{ kubectl }} get node {{ name }}
    - unless: {{ kubectl }} get nodes -l '{{ key }}={{ value }}' -o name | grep -qx 'node/{{ name }}'
    - require:
      - cmd: k8s-root-kubeconfig
{%-   endfor %}
{%-   for taint in node.get('taints', []) %}
{%-     set spec = taint.key ~ ('=' ~ taint.value if taint.get('value') else '') ~ ':' ~ taint.effect %}

k8s-taint-{{ node.id }}-{{ taint.key }}:
  cmd.run:
    - name: {{ kubectl }} taint node {{ name }} '{{ spec }}' --overwrite
    - onlyif: {{ kubectl }} get node {{ name }}
    - unless: {{ kubectl }} get node {{ name }} -o jsonpath='{.spec.taints[*].key}' | grep -qw '{{ taint.key }}'
    - require:
      - cmd: k8s-root-kubeconfig
{%-   endfor %}
{%- endfor %}
