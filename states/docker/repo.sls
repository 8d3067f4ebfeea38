{%- from 'docker/map.jinja' import docker with context %}
# Docker's package repository (000 installed docker from the distribution;
# current docker-ce and containerd.io come from here or a mirror of it set in
# pillar docker:repo_base_url).
include:
  - common.packages

docker-repo:
  pkgrepo.managed:
{%- if grains['os_family'] == 'Debian' %}
    - name: deb [arch={{ grains['osarch'] }} signed-by={{ docker.keyring }}] {{ docker.repo_base_url }}/{{ docker.repo_distro }} {{ grains['oscodename'] }} stable
    - file: {{ docker.repo_file }}
    - key_url: {{ docker.repo_base_url }}/{{ docker.repo_distro }}/gpg
    - aptkey: False
    - require:
      - file: common-apt-keyrings
      - pkg: common-packages
{%- else %}
    - name: docker-ce-stable
    - humanname: Docker CE Stable - $basearch
    - baseurl: {{ docker.repo_base_url }}/{{ docker.repo_distro }}/$releasever/$basearch/stable
    - gpgcheck: 1
    - gpgkey: {{ docker.repo_base_url }}/{{ docker.repo_distro }}/gpg
    - file: {{ docker.repo_file }}
{%- endif %}
