{%- from 'k8s/map.jinja' import k8s with context %}
# The Kubernetes package repository for this minor version (001 used the
# aliyun mirror of the old Google repo; pkgs.k8s.io or a mirror of it in
# pillar k8s:repo_base_url now).
include:
  - common.packages

kubernetes-repo:
  pkgrepo.managed:
{%- if grains['os_family'] == 'Debian' %}
    - name: deb [signed-by={{ k8s.keyring }}] {{ k8s.repo_url }} /
    - file: {{ k8s.repo_file }}
    - key_url: {{ k8s.repo_url }}Release.key
    - aptkey: False
    - require:
      - file: common-apt-keyrings
      - pkg: common-packages
{%- else %}
    - name: kubernetes
    - humanname: Kubernetes
    - baseurl: {{ k8s.repo_url }}
    - gpgcheck: 1
    - gpgkey: {{ k8s.repo_url }}repodata/repomd.xml.key
    - file: {{ k8s.repo_file }}
{%- endif %}
