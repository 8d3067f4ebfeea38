{%- from 'etcd/map.jinja' import etcd with context %}
# 001/004: the cfssl and cfssljson binaries (pkg.cfssl.org then; GitHub
# releases or k8s:download_url now), when pillar etcd:pki:tool is cfssl.
{%- set base = salt['pillar.get']('k8s:download_url', 'salt://pkgs/bin') %}
{%- for tool in ['cfssl', 'cfssljson'] %}
etcd-{{ tool }}:
  file.managed:
    - name: {{ etcd.bin_dir }}/{{ tool }}
    - source: {{ base }}/{{ tool }}_{{ etcd.cfssl_version }}_linux_amd64
{%- if not base.startswith('salt://') %}
    - source_hash: {{ salt['pillar.get']('cfssl:source_hash:' ~ tool) }}
{%- endif %}
    - mode: '0755'
{% endfor %}
