{%- from 'cluster.jinja' import cluster with context %}
{%- from 'k8s/map.jinja' import k8s with context %}
# The kubelet on every Kubernetes node: 000/001's 10-kubeadm.conf drop-in
# (kubeconfig and config flags, the cgroup driver matching containerd's, the
# pause image from the private registry), enabled so that kubeadm init/join
# can start it. Restarted on drop-in changes once the node has joined.
include:
  - common
  - container-runtime
  - k8s.packages
  - k8s.environment

k8s-kubelet-dropin:
  file.managed:
    - name: {{ k8s.dropin_dir }}/10-kubeadm.conf
    - source: salt://k8s/files/10-kubeadm.conf
    - template: jinja
    - makedirs: True
    - context:
        cgroup_driver: {{ k8s.cgroup_driver }}
        pause_image: {{ cluster.image_prefix }}/pause:{{ k8s.pause_version }}
        pause_flag: {{ k8s.minor < 35 }}
        env_file: {{ k8s.kubelet_env_file }}
    - require:
      - pkg: k8s-packages

k8s-kubelet-daemon-reload:
  cmd.run:
    - name: systemctl daemon-reload
    - onchanges:
      - file: k8s-kubelet-dropin

k8s-kubelet-enabled:
  service.enabled:
    - name: kubelet
    - require:
      - pkg: k8s-packages
      - cmd: k8s-kubelet-daemon-reload

k8s-kubelet-restart:
  cmd.run:
    - name: systemctl restart kubelet
    - onlyif: test -f /etc/kubernetes/kubelet.conf
    - onchanges:
      - file: k8s-kubelet-dropin
    - require:
      - cmd: k8s-kubelet-daemon-reload
