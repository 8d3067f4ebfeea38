# State top file of the bundled Kubernetes tree (see docs/k8s-tree.md).
#
# Roles come from pillar: each minion's own entry of k8s:nodes is published
# as `k8s_node` (pillar/k8s/node.sls), and its roles pick the formulas.
# Grains pick what depends on the operating system.
base:
  '*':
    - common
  'os_family:RedHat':
    - match: grain
    - common.selinux
  'k8s_node:roles:registry':
    - match: pillar
    - registry
    - registry.images
  'k8s_node:roles:etcd':
    - match: pillar
    - etcd
  'k8s_node:roles:master':
    - match: pillar
    - keepalived
    - k8s.master
  'k8s_node:roles:node':
    - match: pillar
    - k8s.node
