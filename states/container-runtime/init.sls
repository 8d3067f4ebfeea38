{%- from 'cluster.jinja' import cluster with context %}
{%- from 'container-runtime/map.jinja' import containerd with context %}
{%- from 'offline/map.jinja' import offline with context %}
# containerd as the kubelet's CRI runtime (current Kubernetes has no
# dockershim): the systemd cgroup driver (001: kubelet and runtime must
# agree), the pause image and every image pulled from the private registry
# (000/001), which is trusted without certificate checks like docker's
# insecure-registries, with its pull account; docker.io through the mirrors.
{%- set users = salt['pillar.get']('registry:users', []) %}
{%- set mirrors = salt['pillar.get']('registry:mirrors', []) %}
include:
  - common.kernel
{%- if offline.enabled %}
  - offline
{%- else %}
  - docker.repo
{%- endif %}

containerd-package:
  pkg.installed:
{%- if offline.enabled %}
    - sources:
      - {{ containerd.package }}: {{ offline.dir }}/{{ offline.files[containerd.package] }}
    - require:
      - module: offline-packages
{%- else %}
    - pkgs:
      - {{ containerd.package }}: '{{ containerd.version }}*'
    - require:
      - pkgrepo: docker-repo
{%- endif %}

containerd-config:
  file.managed:
    - name: {{ containerd.config }}
    - source: salt://container-runtime/files/config.toml
    - template: jinja
    - makedirs: True
    - mode: '0600'
    - context:
        major: {{ containerd.major }}
        root: {{ containerd.root }}
        certs_dir: {{ containerd.certs_dir }}
        sandbox_image: {{ cluster.image_prefix }}/pause:{{ salt['pillar.get']('k8s:pause_version') }}
        systemd_cgroup: {{ salt['pillar.get']('k8s:cgroup_driver', 'systemd') == 'systemd' }}
        registry: {{ cluster.registry }}
        auth: {{ (users[0] if users else {}) | json }}
    - require:
      - pkg: containerd-package

containerd-registry-hosts:
  file.managed:
    - name: {{ containerd.certs_dir }}/{{ cluster.registry }}/hosts.toml
    - source: salt://container-runtime/files/hosts.toml
    - template: jinja
    - makedirs: True
    - context:
        server: {{ cluster.registry_scheme }}://{{ cluster.registry }}
        hosts:
          - url: {{ cluster.registry_scheme }}://{{ cluster.registry }}
            capabilities: [pull, resolve, push]
            skip_verify: True

{%- if mirrors %}

containerd-docker-io-mirrors:
  file.managed:
    - name: {{ containerd.certs_dir }}/docker.io/hosts.toml
    - source: salt://container-runtime/files/hosts.toml
    - template: jinja
    - makedirs: True
    - context:
        server: https://registry-1.docker.io
        hosts:
{%-   for mirror in mirrors %}
          - url: {{ mirror }}
            capabilities: [pull, resolve]
            skip_verify: False
{%-   endfor %}
{%- endif %}

crictl-config:
  file.managed:
    - name: /etc/crictl.yaml
    - contents: |
        runtime-endpoint: {{ containerd.socket }}
        image-endpoint: {{ containerd.socket }}
        timeout: 10

containerd-service:
  service.running:
    - name: containerd
    - enable: True
    - require:
      - kmod: common-kernel-modules
    - watch:
      - pkg: containerd-package
      - file: containerd-config
      - file: containerd-registry-hosts
{%- if mirrors %}
      - file: containerd-docker-io-mirrors
{%- endif %}
