{%- from 'common/map.jinja' import common with context %}
# Tools kubeadm's preflight checks and kube-proxy/kube-router in IPVS mode
# need (conntrack, ipset, ipvsadm, socat), plus curl and openssl, which the
# keepalived check and the etcd certificates use, and gpg, which turns the
# Debian repositories' armored keys into keyrings.
common-packages:
  pkg.installed:
    - pkgs: {{ common.packages | json }}

{%- if grains['os_family'] == 'Debian' %}

# Where pkgrepo.managed (aptkey: False) stores the repositories' signing
# keys for their `signed-by=` option.
common-apt-keyrings:
  file.directory:
    - name: /etc/apt/keyrings
    - mode: '0755'
{%- endif %}
