{%- from 'etcd/map.jinja' import etcd with context %}
# Run once, by hand, on the admin host (`salt-call --local state.sls etcd.ca`):
# 001's "generate the CA certificate and key" step. The new ca.pem and
# ca-key.pem in etcd:pki:ca_workdir then go into pillar/k8s/pki.sls, from
# where every etcd member and master gets them. Never regenerates an
# existing CA (`creates`).
{%- set dir = etcd.pki.ca_workdir %}
etcd-ca-workdir:
  file.directory:
    - name: {{ dir }}
    - mode: '0700'
    - makedirs: True

{%- if etcd.pki.tool == 'cfssl' %}

include:
  - etcd.cfssl

etcd-ca-config-json:
  file.managed:
    - name: {{ dir }}/ca-config.json
    - source: salt://etcd/files/ca-config.json
    - template: jinja
    - context:
        expiry: {{ etcd.pki.expiry_days * 24 }}h
    - require:
      - file: etcd-ca-workdir

etcd-ca-csr-json:
  file.managed:
    - name: {{ dir }}/ca-csr.json
    - source: salt://etcd/files/ca-csr.json
    - template: jinja
    - context:
        cn: kubernetes
        key_size: {{ etcd.pki.key_size }}
        names: {{ etcd.pki.names | json }}
        expiry: {{ etcd.pki.expiry_days * 24 }}h
    - require:
      - file: etcd-ca-workdir

etcd-ca-generate:
  cmd.run:
    - name: umask 077 && cfssl gencert -initca ca-csr.json | cfssljson -bare ca
    - cwd: {{ dir }}
    - creates: {{ dir }}/ca.pem
    - require:
      - file: etcd-ca-csr-json
      - file: etcd-cfssl
      - file: etcd-cfssljson
{%- else %}

etcd-ca-generate:
  cmd.run:
    - name: >-
        umask 077 &&
        openssl genrsa -out ca-key.pem {{ etcd.pki.key_size }} &&
        openssl req -x509 -new -sha256 -key ca-key.pem -days {{ etcd.pki.expiry_days }}
        -subj "{{ etcd.subject }}/CN=kubernetes"
        -addext "basicConstraints=critical,CA:TRUE"
        -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
        -out ca.pem
    - cwd: {{ dir }}
    - creates: {{ dir }}/ca.pem
    - require:
      - file: etcd-ca-workdir
{%- endif %}
