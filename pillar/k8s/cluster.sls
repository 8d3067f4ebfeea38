# The cluster's nodes: one entry per minion, keyed by its minion id.
#
# Plain YAML (no Jinja): pillar/k8s/node.sls reads this file with
# import_yaml to find the current minion's own entry, so keep it renderable
# as YAML alone.
#
#   id                   minion id (states/top.sls matches on it through k8s_node)
#   hostname             hostname to set (default: the id)
#   ip                   the address the cluster talks to this node on
#   interface            NIC carrying `ip` (default: found in grains ip4_interfaces)
#   roles                any of: master, etcd, node, registry
#   keepalived_priority  VRRP priority on masters: the highest is MASTER, the
#                        others BACKUP (001: master1 120, master2 110)
#   install_from         repo | offline: overrides k8s:install_from for this node
#   labels / taints      applied with kubectl from the init master
#
# Adding a node: append an entry, install and accept its minion, run
# `salt '*' saltutil.refresh_pillar`, then apply the highstate to the new node
# (and, for a new master or etcd member, to the existing masters, so that
# keepalived peers, etcd cluster lists and certificate SANs follow).
k8s:
  nodes:
    - id: k8s-master1
      ip: 192.168.200.22
      roles: [master, etcd, registry]
      keepalived_priority: 120
    - id: k8s-master2
      ip: 192.168.200.21
      roles: [master, etcd]
      keepalived_priority: 110
    - id: k8s-master3
      ip: 192.168.200.23
      roles: [master, etcd]
      keepalived_priority: 100
    - id: k8s-node1
      ip: 192.168.200.142
      roles: [node]
      install_from: offline
      labels:
        node-role.kubernetes.io/worker: ""
