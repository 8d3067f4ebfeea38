{%- from 'cluster.jinja' import cluster with context %}
{%- from 'etcd/map.jinja' import etcd with context %}
# 001's etcd.service: NODE_NAME/NODE_IP of this member and ETCD_NODES
# (--initial-cluster) of all members from the node list; started once the
# binaries and certificates are in place, restarted when they change.
include:
  - etcd.install
  - etcd.pki

etcd-unit:
  file.managed:
    - name: /etc/systemd/system/etcd.service
    - source: salt://etcd/files/etcd.service
    - template: jinja
    - context:
        name: {{ cluster.me.id }}
        ip: {{ cluster.me.ip }}
        initial_cluster: {{ cluster.initial_cluster }}
        initial_cluster_state: {{ salt['pillar.get']('k8s_node:etcd_initial_cluster_state', etcd.initial_cluster_state) }}
        initial_cluster_token: {{ etcd.initial_cluster_token }}
        client_port: {{ etcd.client_port }}
        peer_port: {{ etcd.peer_port }}
        data_dir: {{ etcd.data_dir }}
        ssl_dir: {{ etcd.ssl_dir }}
        bin_dir: {{ etcd.bin_dir }}
        user: {{ etcd.user }}

etcd-daemon-reload:
  cmd.run:
    - name: systemctl daemon-reload
    - onchanges:
      - file: etcd-unit

etcd-service:
  service.running:
    - name: etcd
    - enable: True
    - require:
      - cmd: etcd-daemon-reload
      - file: etcd-data-dir
      - file: etcd-bin-etcd
    - watch:
      - file: etcd-unit
      - cmd: etcd-member-cert
      - file: etcd-ca-cert
