{%- from 'common/map.jinja' import common with context %}
# 003/004: the nodes' clocks in sync (etcd and the certificates depend on it).
common-chrony:
  pkg.installed:
    - name: {{ common.chrony.pkg }}
  file.managed:
    - name: {{ common.chrony.config }}
    - source: salt://common/files/chrony.conf
    - template: jinja
    - context:
        servers: {{ common.ntp_servers | json }}
        driftfile: {{ common.chrony.driftfile }}
    - require:
      - pkg: common-chrony
  service.running:
    - name: {{ common.chrony.service }}
    - enable: True
    - watch:
      - file: common-chrony
