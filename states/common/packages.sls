{%- from 'common/map.jinja' import common with context %}
# Tools kubeadm's preflight checks and kube-proxy/kube-router in IPVS mode
# need (conntrack, ipset, ipvsadm, socat), plus curl and openssl, which the
# keepalived check and the etcd certificates use.
common-packages:
  pkg.installed:
    - pkgs: {{ common.packages | json }}
