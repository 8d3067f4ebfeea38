{%- from 'cluster.jinja' import cluster with context %}
{%- from 'registry/map.jinja' import registry with context %}
# 000's down4china.sh: pull the images kubeadm and the pod network need from
# their upstream registries, tag them for the private registry, push them.
# Written on the registry host; run it there (or copy it to a host that can
# reach the upstream registries). With pillar registry:sync_images true the
# state runs it whenever the image list changes.
{%- set k8s_tag = 'v' ~ salt['pillar.get']('k8s:version') %}
{%- set images = [] %}
{%- for component in ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'] %}
{%-   do images.append({'source': 'registry.k8s.io/' ~ component ~ ':' ~ k8s_tag, 'name': component ~ ':' ~ k8s_tag}) %}
{%- endfor %}
{%- set pause = salt['pillar.get']('k8s:pause_version') %}
{%- do images.append({'source': 'registry.k8s.io/pause:' ~ pause, 'name': 'pause:' ~ pause}) %}
{%- set coredns = salt['pillar.get']('k8s:coredns_version') %}
{%- do images.append({'source': 'registry.k8s.io/coredns/coredns:' ~ coredns, 'name': 'coredns:' ~ coredns}) %}
{%- if salt['pillar.get']('k8s:cni', 'kube-router') == 'flannel' %}
{%-   set flannel = salt['pillar.get']('k8s:flannel_version') %}
{%-   set cni_plugin = salt['pillar.get']('k8s:flannel_cni_plugin_version') %}
{%-   do images.append({'source': 'ghcr.io/flannel-io/flannel:' ~ flannel, 'name': 'flannel:' ~ flannel}) %}
{%-   do images.append({'source': 'ghcr.io/flannel-io/flannel-cni-plugin:' ~ cni_plugin, 'name': 'flannel-cni-plugin:' ~ cni_plugin}) %}
{%- else %}
{%-   set kube_router = salt['pillar.get']('k8s:kube_router_version') %}
{%-   do images.append({'source': 'docker.io/cloudnativelabs/kube-router:' ~ kube_router, 'name': 'kube-router:' ~ kube_router}) %}
{%- endif %}
include:
  - registry

registry-image-sync-script:
  file.managed:
    - name: /usr/local/sbin/k8s-image-sync
    - source: salt://registry/files/k8s-image-sync.sh
    - template: jinja
    - mode: '0755'
    - context:
        prefix: {{ cluster.image_prefix }}
        images: {{ images | json }}

{%- if registry.get('sync_images', False) %}

registry-image-sync:
  cmd.run:
    - name: /usr/local/sbin/k8s-image-sync
    - onchanges:
      - file: registry-image-sync-script
    - require:
      - cmd: registry-docker-login
{%- endif %}
