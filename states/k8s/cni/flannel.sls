{%- from 'cluster.jinja' import cluster with context %}
{%- from 'k8s/map.jinja' import k8s with context %}
# flannel (000/004's overlay) as a DaemonSet using the Kubernetes API for its
# subnet leases instead of 004's etcd v2 keys, with the pod CIDR and backend
# from pillar and its images from the private registry.
{%- set manifest = k8s.addons_dir ~ '/kube-flannel.yaml' %}
k8s-cni-manifest:
  file.managed:
    - name: {{ manifest }}
    - source: salt://k8s/cni/files/kube-flannel.yaml
    - template: jinja
    - makedirs: True
    - context:
        image: {{ cluster.image_prefix }}/flannel:{{ k8s.flannel_version }}
        cni_plugin_image: {{ cluster.image_prefix }}/flannel-cni-plugin:{{ k8s.flannel_cni_plugin_version }}
        pod_cidr: {{ k8s.pod_cidr }}
        backend: {{ k8s.flannel.backend }}

k8s-cni-apply:
  cmd.run:
    - name: {{ k8s.kubectl }} apply -f {{ manifest }}
    - unless: {{ k8s.kubectl }} -n kube-flannel get daemonset kube-flannel-ds
    - retry:
        attempts: 10
        interval: 15
    - require:
      - file: k8s-cni-manifest
      - cmd: k8s-root-kubeconfig
