{%- from 'cluster.jinja' import cluster with context %}
{%- from 'keepalived/map.jinja' import keepalived with context %}
# 000/001: keepalived holds the apiservers' virtual IP on one master and moves
# it when that master's apiserver stops answering on 6443. MASTER/BACKUP and
# the priority come from the node list; the unicast peers are the other
# masters (the template skips this node's own addresses, grains['ipv4']).
keepalived-package:
  pkg.installed:
    - name: {{ keepalived.package }}

keepalived-check-script:
  file.managed:
    - name: {{ keepalived.check_script }}
    - source: salt://keepalived/files/check_apiserver.sh
    - template: jinja
    - mode: '0755'
    - context:
        node_ip: {{ cluster.me.ip }}
        vip: {{ cluster.vip }}
        port: {{ cluster.api_port }}
    - require:
      - pkg: keepalived-package

keepalived-config:
  file.managed:
    - name: {{ keepalived.config }}
    - source: salt://keepalived/files/keepalived.conf
    - template: jinja
    - mode: '0640'
    - defaults:
        router_id: {{ keepalived.router_id }}
        virtual_router_id: {{ keepalived.virtual_router_id }}
        advert_int: {{ keepalived.advert_int }}
        nopreempt: {{ keepalived.nopreempt }}
        check: {{ keepalived.check | json }}
        check_script: {{ keepalived.check_script }}
        auth_pass: {{ keepalived.auth_pass | json }}
    - context:
        state: {{ keepalived.state }}
        priority: {{ keepalived.priority }}
        interface: {{ cluster.me.interface }}
        node_ip: {{ cluster.me.ip }}
        peers: {{ cluster.masters | json }}
        vip: {{ cluster.vip }}
        vip_prefix: {{ salt['pillar.get']('k8s:vip_prefix', 24) }}
    - require:
      - pkg: keepalived-package

keepalived-service:
  service.running:
    - name: {{ keepalived.service }}
    - enable: True
    - watch:
      - file: keepalived-config
      - file: keepalived-check-script
