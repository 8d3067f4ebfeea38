{%- from 'k8s/map.jinja' import k8s with context %}
{%- from 'offline/map.jinja' import offline with context %}
# kubelet, kubeadm and kubectl at the pillar version (001: yum install
# kubeadm-1.9.6 kubelet-1.9.6 kubectl-1.9.6), from the repository or, on an
# offline node, from the package files cp.get_dir brought over (000).
{%- set names = ['kubelet', 'kubeadm', 'kubectl'] %}
include:
{%- if offline.enabled %}
  - offline
{%- else %}
  - k8s.repo
{%- endif %}

k8s-packages:
  pkg.installed:
{%- if offline.enabled %}
    - sources:
{%-   for name in ['kubernetes-cni', 'cri-tools'] + names %}
      - {{ name }}: {{ offline.dir }}/{{ offline.files[name] }}
{%-   endfor %}
    - require:
      - module: offline-packages
{%- else %}
    - pkgs:
{%-   for name in names %}
      - {{ name }}: '{{ k8s.version }}*'
{%-   endfor %}
    - require:
      - pkgrepo: kubernetes-repo
{%- endif %}
