{#- This minion's own entry of k8s:nodes, as `k8s_node`.
    states/top.sls assigns formulas by `k8s_node:roles`; a minion missing from
    the list gets no k8s_node and only the `common` preparation. -#}
{%- import_yaml 'k8s/cluster.sls' as cluster %}
{%- for node in cluster.k8s.nodes if node.id == grains['id'] %}
k8s_node: {{ node | json }}
{%- endfor %}
