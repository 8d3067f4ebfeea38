{%- from 'common/map.jinja' import common with context %}
# 000/001: `systemctl disable firewalld && systemctl stop firewalld` (ufw on
# Debian and Ubuntu). A host without the service reports it as not available.
{%- if common.disable_firewall %}
common-firewall-off:
  service.dead:
    - name: {{ common.firewall_service }}
    - enable: False
{%- endif %}
