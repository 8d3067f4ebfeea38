{%- from 'cluster.jinja' import cluster with context %}
{%- from 'k8s/map.jinja' import k8s with context %}
# 001: `kubectl apply -f kubeadm-kuberouter.yaml` (routing and network
# policy), or with k8s:kube_router:service_proxy the "all features" variant
# that replaces kube-proxy too (kubeadm then never installs kube-proxy; a
# kube-proxy left from before is deleted as 001 did by hand).
{%- set manifest = k8s.addons_dir ~ '/kube-router.yaml' %}
k8s-cni-manifest:
  file.managed:
    - name: {{ manifest }}
    - source: salt://k8s/cni/files/kube-router.yaml
    - template: jinja
    - makedirs: True
    - context:
        image: {{ cluster.image_prefix }}/kube-router:{{ k8s.kube_router_version }}
        service_proxy: {{ k8s.kube_router.service_proxy }}
        server: https://{{ cluster.endpoint }}
        pod_cidr: {{ k8s.pod_cidr }}

k8s-cni-apply:
  cmd.run:
    - name: {{ k8s.kubectl }} apply -f {{ manifest }}
    - unless: {{ k8s.kubectl }} -n kube-system get daemonset kube-router
    - retry:
        attempts: 10
        interval: 15
    - require:
      - file: k8s-cni-manifest
      - cmd: k8s-root-kubeconfig

{%- if k8s.kube_router.service_proxy %}

k8s-kube-proxy-removed:
  cmd.run:
    - name: {{ k8s.kubectl }} -n kube-system delete daemonset kube-proxy
    - onlyif: {{ k8s.kubectl }} -n kube-system get daemonset kube-proxy
    - require:
      - cmd: k8s-cni-apply
{%- endif %}
