{%- from 'cluster.jinja' import cluster with context %}
{%- from 'k8s/map.jinja' import k8s with context %}
# A worker (000: `kubeadm join --token ... <master>:6443`): joins through the
# VIP once (guarded by the kubelet's kubeconfig), retrying while the control
# plane comes up. Masters join in k8s.master instead.
include:
  - k8s.kubelet
{%- if 'master' not in cluster.me.roles %}

k8s-kubeadm-dir:
  file.directory:
    - name: {{ k8s.kubeadm_dir }}
    - mode: '0700'
    - makedirs: True

k8s-kubeadm-join-config:
  file.managed:
    - name: {{ k8s.join_file }}
    - source: salt://k8s/files/kubeadm-join.yml
    - template: jinja
    - mode: '0600'
    - context:
        node_name: {{ cluster.me.hostname }}
        node_ip: {{ cluster.me.ip }}
        endpoint: {{ cluster.endpoint }}
        token: {{ k8s.token | json }}
        ca_cert_hash: {{ k8s.ca_cert_hash | json }}
        cri_socket: {{ k8s.cri_socket }}
        control_plane: False
    - require:
      - file: k8s-kubeadm-dir

k8s-kubeadm-join:
  cmd.run:
    - name: kubeadm join --config {{ k8s.join_file }}
    - creates: /etc/kubernetes/kubelet.conf
    - retry:
        attempts: 10
        interval: 30
    - require:
      - file: k8s-kubeadm-join-config
      - service: containerd-service
      - service: k8s-kubelet-enabled
      - sysctl: common-sysctl-net.ipv4.ip_forward
{%- endif %}
