{%- from 'k8s/map.jinja' import k8s with context %}
# The pod network, applied once from the init master: kube-router (001) or
# flannel (000/004), chosen by pillar k8s:cni.
include:
  - k8s.cni.{{ k8s.cni }}
