{%- from 'common/map.jinja' import common with context %}
# 001/004: br_netfilter (bridge traffic through iptables), overlay (the
# container runtime's snapshotter) and ip_vs* (kube-proxy/kube-router IPVS),
# loaded now and persisted to modules-load.d for the next boot.
common-kernel-modules:
  kmod.present:
    - mods: {{ common.kernel_modules | json }}
    - persist: True
