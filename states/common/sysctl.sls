{%- from 'common/map.jinja' import common with context %}
# 000/001: net.bridge.bridge-nf-call-ip(6)tables = 1, 003: ip_forward = 1 and
# the conntrack/neighbour table sizes; written to one sysctl.d file so they
# survive a reboot. The net.bridge and net.netfilter keys exist only once
# br_netfilter and nf_conntrack are loaded.
include:
  - common.kernel
{% for key, value in common.sysctl | dictsort %}
common-sysctl-{{ key }}:
  sysctl.present:
    - name: {{ key }}
    - value: {{ value }}
    - config: {{ common.sysctl_file }}
{%- if key.startswith('net.bridge.') or key.startswith('net.netfilter.') %}
    - require:
      - kmod: common-kernel-modules
{%- endif %}
{% endfor %}
