{%- from 'cluster.jinja' import cluster with context %}
{%- from 'docker/map.jinja' import docker with context %}
# Docker Engine where the registry container runs (000 ran docker on every
# node; the kubelet here talks to containerd directly). daemon.json carries
# 000's settings: the private registry as insecure registry, the mirrors,
# the data root on the data disk, and the systemd cgroup driver.
include:
  - docker.repo
  - common.kernel

docker-packages:
  pkg.installed:
    - pkgs:
      - docker-ce: '{{ docker.epoch }}{{ docker.version }}*'
      - docker-ce-cli: '{{ docker.epoch }}{{ docker.version }}*'
      - containerd.io: '{{ salt['pillar.get']('containerd:version') }}*'
    - require:
      - pkgrepo: docker-repo

docker-daemon-json:
  file.managed:
    - name: {{ docker.daemon_json }}
    - source: salt://docker/files/daemon.json
    - template: jinja
    - makedirs: True
    - context:
        config:
          data-root: {{ docker.data_root }}
          exec-opts:
            - native.cgroupdriver={{ salt['pillar.get']('k8s:cgroup_driver', 'systemd') }}
          insecure-registries:
            - {{ cluster.registry }}
          registry-mirrors: {{ salt['pillar.get']('registry:mirrors', []) | json }}
          log-driver: json-file
          log-opts:
            max-size: {{ docker.log_max_size }}
          storage-driver: {{ docker.storage_driver }}

docker-data-root:
  file.directory:
    - name: {{ docker.data_root }}
    - mode: '0710'
    - makedirs: True

docker-service:
  service.running:
    - name: docker
    - enable: True
    - require:
      - file: docker-data-root
      - kmod: common-kernel-modules
    - watch:
      - pkg: docker-packages
      - file: docker-daemon-json

