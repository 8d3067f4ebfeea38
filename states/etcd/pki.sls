{%- from 'cluster.jinja' import cluster with context %}
{%- from 'etcd/map.jinja' import etcd with context %}
# 001's etcd.pem / etcd-key.pem: one key and certificate per member, valid
# for 127.0.0.1, localhost and every member's address and name (001's
# etcd-csr.json), used for client and peer TLS. Generated once (`creates`):
# delete etcd.pem to re-issue it after the member list changed.
{%- set ssl = etcd.ssl_dir %}
{%- set hosts = ['127.0.0.1', 'localhost'] %}
{%- for member in cluster.etcd %}
{%-   do hosts.append(member.ip) %}
{%-   do hosts.append(member.hostname) %}
{%- endfor %}
include:
  - etcd.ssl
  - etcd.install

{%- if etcd.pki.tool == 'cfssl' %}

etcd-csr:
  file.managed:
    - name: {{ ssl }}/etcd-csr.json
    - source: salt://etcd/files/csr.json
    - template: jinja
    - context:
        cn: etcd
        hosts: {{ hosts | json }}
        key_size: {{ etcd.pki.key_size }}
        names: {{ etcd.pki.names | json }}
    - require:
      - file: etcd-ssl-dir

etcd-member-cert:
  cmd.run:
    - name: >-
        umask 077 &&
        cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json
        -profile=kubernetes etcd-csr.json | cfssljson -bare etcd
    - cwd: {{ ssl }}
    - creates: {{ ssl }}/etcd.pem
    - require:
      - file: etcd-ca-cert
      - file: etcd-ca-key
      - file: etcd-ca-config
      - file: etcd-csr
      - file: etcd-cfssl
      - file: etcd-cfssljson
{%- else %}

etcd-openssl-config:
  file.managed:
    - name: {{ ssl }}/etcd-openssl.cnf
    - source: salt://etcd/files/openssl.cnf
    - template: jinja
    - context:
        cn: etcd
        usage: serverAuth, clientAuth
        hosts: {{ hosts | json }}
    - require:
      - file: etcd-ssl-dir

etcd-member-cert:
  cmd.run:
    - name: >-
        umask 077 &&
        openssl genrsa -out etcd-key.pem {{ etcd.pki.key_size }} &&
        openssl req -new -key etcd-key.pem -subj "{{ etcd.subject }}/CN=etcd"
        -config etcd-openssl.cnf -out etcd.csr &&
        openssl x509 -req -in etcd.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial
        -sha256 -days {{ etcd.pki.expiry_days }} -extensions v3_req
        -extfile etcd-openssl.cnf -out etcd.pem
    - cwd: {{ ssl }}
    - creates: {{ ssl }}/etcd.pem
    - require:
      - file: etcd-ca-cert
      - file: etcd-ca-key
      - file: etcd-openssl-config
{%- endif %}

# The member's certificate readable by all, its key by the etcd user only.
etcd-member-cert-mode:
  file.managed:
    - name: {{ ssl }}/etcd.pem
    - replace: False
    - create: False
    - mode: '0644'
    - require:
      - cmd: etcd-member-cert

etcd-member-key:
  file.managed:
    - name: {{ ssl }}/etcd-key.pem
    - replace: False
    - create: False
    - user: root
    - group: {{ etcd.user }}
    - mode: '0640'
    - require:
      - cmd: etcd-member-cert
      - user: etcd-user
