# Pillar top file of the bundled Kubernetes tree (see docs/k8s-tree.md).
#
# Every minion gets the whole cluster description: the node list (which the
# keepalived peers, the etcd --initial-cluster and the certificate SANs are
# built from), the cluster-wide settings, the versions and the shared
# secrets. k8s.node then picks this minion's own entry out of the node list
# as `k8s_node`, which states/top.sls matches roles on. The etcd CA key goes
# only to the masters and etcd members named in the node list.
{%- import_yaml 'k8s/cluster.sls' as cluster %}
{%- set pki_minions = [] %}
{%- for node in cluster.k8s.nodes %}
{%-   if 'master' in node.roles or 'etcd' in node.roles %}
{%-     do pki_minions.append(node.id) %}
{%-   endif %}
{%- endfor %}
base:
  '*':
    - k8s.cluster
    - k8s.env
    - k8s.versions
    - k8s.secrets
    - k8s.node
{%- if pki_minions %}
  '{{ pki_minions | join(",") }}':
    - match: list
    - k8s.pki
{%- endif %}
