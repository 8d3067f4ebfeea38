{%- from 'cluster.jinja' import cluster with context %}
{%- from 'etcd/map.jinja' import etcd with context %}
# The etcd CA on this node (from pillar etcd:pki, which only masters and etcd
# members receive), so that each of them signs its own certificates instead
# of 001's scp of one shared certificate. Included by etcd.pki and etcd.client.
{%- set is_member = 'etcd' in cluster.me.roles %}
etcd-ssl-dir:
  file.directory:
    - name: {{ etcd.ssl_dir }}
    - user: root
{%- if is_member %}
    - group: {{ etcd.user }}
{%- endif %}
    - mode: '0750'
    - makedirs: True

etcd-ca-cert:
  file.managed:
    - name: {{ etcd.ssl_dir }}/ca.pem
    - contents_pillar: etcd:pki:ca_cert
    - mode: '0644'
    - require:
      - file: etcd-ssl-dir

etcd-ca-key:
  file.managed:
    - name: {{ etcd.ssl_dir }}/ca-key.pem
    - contents_pillar: etcd:pki:ca_key
    - mode: '0600'
    - require:
      - file: etcd-ssl-dir

{%- if etcd.pki.tool == 'cfssl' %}

include:
  - etcd.cfssl

# 001's ca-config.json: one signing profile for server and client use.
etcd-ca-config:
  file.managed:
    - name: {{ etcd.ssl_dir }}/ca-config.json
    - source: salt://etcd/files/ca-config.json
    - template: jinja
    - context:
        expiry: {{ etcd.pki.expiry_days * 24 }}h
    - require:
      - file: etcd-ssl-dir
{%- endif %}
