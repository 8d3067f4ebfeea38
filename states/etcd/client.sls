{%- from 'etcd/map.jinja' import etcd with context %}
# The client certificate the apiserver presents to the external etcd
# (kubeadm's etcd.external certFile/keyFile), on every master, signed by the
# etcd CA like the member certificates.
{%- set ssl = etcd.ssl_dir %}
include:
  - etcd.ssl

{%- if etcd.pki.tool == 'cfssl' %}

etcd-client-csr:
  file.managed:
    - name: {{ ssl }}/apiserver-etcd-client-csr.json
    - source: salt://etcd/files/csr.json
    - template: jinja
    - context:
        cn: apiserver-etcd-client
        hosts: []
        key_size: {{ etcd.pki.key_size }}
        names: {{ etcd.pki.names | json }}
    - require:
      - file: etcd-ssl-dir

etcd-client-cert:
  cmd.run:
    - name: >-
        umask 077 &&
        cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json
        -profile=kubernetes apiserver-etcd-client-csr.json | cfssljson -bare apiserver-etcd-client
    - cwd: {{ ssl }}
    - creates: {{ ssl }}/apiserver-etcd-client.pem
    - require:
      - file: etcd-ca-cert
      - file: etcd-ca-key
      - file: etcd-ca-config
      - file: etcd-client-csr
      - file: etcd-cfssl
      - file: etcd-cfssljson
{%- else %}

etcd-client-openssl-config:
  file.managed:
    - name: {{ ssl }}/apiserver-etcd-client-openssl.cnf
    - source: salt://etcd/files/openssl.cnf
    - template: jinja
    - context:
        cn: apiserver-etcd-client
        usage: clientAuth
        hosts: []
    - require:
      - file: etcd-ssl-dir

etcd-client-cert:
  cmd.run:
    - name: >-
        umask 077 &&
        openssl genrsa -out apiserver-etcd-client-key.pem {{ etcd.pki.key_size }} &&
        openssl req -new -key apiserver-etcd-client-key.pem
        -subj "{{ etcd.subject }}/CN=apiserver-etcd-client"
        -config apiserver-etcd-client-openssl.cnf -out apiserver-etcd-client.csr &&
        openssl x509 -req -in apiserver-etcd-client.csr -CA ca.pem -CAkey ca-key.pem
        -CAcreateserial -sha256 -days {{ etcd.pki.expiry_days }} -extensions v3_req
        -extfile apiserver-etcd-client-openssl.cnf -out apiserver-etcd-client.pem
    - cwd: {{ ssl }}
    - creates: {{ ssl }}/apiserver-etcd-client.pem
    - require:
      - file: etcd-ca-cert
      - file: etcd-ca-key
      - file: etcd-client-openssl-config
{%- endif %}

etcd-client-cert-mode:
  file.managed:
    - name: {{ ssl }}/apiserver-etcd-client.pem
    - replace: False
    - create: False
    - mode: '0644'
    - require:
      - cmd: etcd-client-cert
