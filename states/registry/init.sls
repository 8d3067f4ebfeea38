{%- from 'cluster.jinja' import cluster with context %}
{%- from 'registry/map.jinja' import registry with context %}
# 000's private Docker registry: htpasswd authentication (`htpasswd -Bbn`),
# the registry image run by docker with --restart semantics (here a systemd
# unit), a self-signed certificate (003: valid 10000 days) for the address
# every node pulls from.
{%- set auth_dir = registry.config_dir ~ '/auth' %}
{%- set certs_dir = registry.config_dir ~ '/certs' %}
include:
  - docker

registry-htpasswd-tool:
  pkg.installed:
    - name: {{ registry.htpasswd_pkg }}

registry-dirs:
  file.directory:
    - names:
      - {{ auth_dir }}
      - {{ certs_dir }}:
        - mode: '0700'
      - {{ registry.data_dir }}
    - mode: '0755'
    - makedirs: True

registry-htpasswd:
  file.managed:
    - name: {{ auth_dir }}/htpasswd
    - replace: False
    - mode: '0644'
    - require:
      - file: registry-dirs

{%- for user in registry.users %}

registry-user-{{ user.name }}:
  cmd.run:
    - name: htpasswd -Bb {{ auth_dir }}/htpasswd {{ user.name }} "$REGISTRY_PASSWORD"
    - env:
      - REGISTRY_PASSWORD: {{ user.password | json }}
    - unless: htpasswd -vb {{ auth_dir }}/htpasswd {{ user.name }} "$REGISTRY_PASSWORD"
    - require:
      - pkg: registry-htpasswd-tool
      - file: registry-htpasswd
    - watch_in:
      - service: registry-service
{%- endfor %}

{%- if registry.tls %}

registry-openssl-config:
  file.managed:
    - name: {{ certs_dir }}/openssl.cnf
    - source: salt://registry/files/openssl.cnf
    - template: jinja
    - context:
        common_name: {{ registry.host }}
        ips:
          - {{ registry.host }}
          - 127.0.0.1
        dns:
          - localhost
          - {{ cluster.me.hostname }}
    - require:
      - file: registry-dirs

registry-certificate:
  cmd.run:
    - name: >-
        openssl req -x509 -nodes -newkey rsa:4096 -sha256
        -days {{ registry.cert_days }}
        -keyout {{ certs_dir }}/registry.key
        -out {{ certs_dir }}/registry.crt
        -config {{ certs_dir }}/openssl.cnf -extensions v3_req
    - creates: {{ certs_dir }}/registry.crt
    - require:
      - file: registry-openssl-config
{%- endif %}

registry-unit:
  file.managed:
    - name: /etc/systemd/system/docker-registry.service
    - source: salt://registry/files/docker-registry.service
    - template: jinja
    - context:
        image: {{ registry.image }}:{{ registry.version }}
        port: {{ registry.port }}
        data_dir: {{ registry.data_dir }}
        auth_dir: {{ auth_dir }}
        certs_dir: {{ certs_dir }}
        tls: {{ registry.tls }}
        realm: {{ registry.realm }}
        extra_env: {{ registry.env | json }}

registry-daemon-reload:
  cmd.run:
    - name: systemctl daemon-reload
    - onchanges:
      - file: registry-unit

registry-service:
  service.running:
    - name: docker-registry
    - enable: True
    - require:
      - service: docker-service
      - cmd: registry-daemon-reload
    - watch:
      - file: registry-unit
      - file: registry-htpasswd
{%- if registry.tls %}
      - cmd: registry-certificate
{%- endif %}

{%- if registry.users %}

# 000: `docker login` to the private registry on the host that pushes the
# images into it (registry.images), with the password on stdin.
registry-docker-login:
  cmd.run:
    - name: docker login --username {{ registry.users[0].name }} --password-stdin {{ cluster.registry }}
    - stdin: {{ registry.users[0].password | json }}
    - unless: grep -qF '"{{ cluster.registry }}"' /root/.docker/config.json
    - require:
      - service: registry-service
{%- endif %}
