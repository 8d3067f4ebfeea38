{%- from 'cluster.jinja' import cluster with context %}
{%- from 'etcd/map.jinja' import etcd with context %}
# 001's clean-up before a second attempt, run by hand on each node
# (`salt 'k8s-*' state.sls k8s.reset`): kubeadm reset, the kubeconfig, the
# pod network's links and rules, and on etcd members the etcd data
# (`systemctl stop etcd; rm -rf /var/lib/etcd/member`). Never in top.sls.
k8s-reset-kubeadm:
  cmd.run:
    - name: kubeadm reset -f
    - onlyif: test -f /etc/kubernetes/kubelet.conf -o -f /etc/kubernetes/admin.conf

k8s-reset-root-kubeconfig:
  file.absent:
    - name: /root/.kube
    - require:
      - cmd: k8s-reset-kubeadm

{%- for link in ['dummy0', 'kube-dummy-if', 'kube-bridge', 'flannel.1', 'cni0'] %}

k8s-reset-link-{{ link }}:
  cmd.run:
    - name: ip link delete {{ link }}
    - onlyif: ip link show {{ link }}
    - require:
      - cmd: k8s-reset-kubeadm
{%- endfor %}

# tunl0 belongs to the ipip module and goes away with it.
k8s-reset-link-tunl0:
  cmd.run:
    - name: modprobe -r ipip
    - onlyif: ip link show tunl0
    - require:
      - cmd: k8s-reset-kubeadm

k8s-reset-iptables:
  cmd.run:
    - name: iptables -F && iptables -X && iptables -F -t nat && iptables -X -t nat && ipvsadm --clear
    - require:
      - cmd: k8s-reset-kubeadm

k8s-reset-cni-config:
  file.absent:
    - name: /etc/cni/net.d
    - require:
      - cmd: k8s-reset-kubeadm

k8s-reset-restart-containerd:
  cmd.run:
    - name: systemctl restart containerd
    - onlyif: systemctl is-active containerd
    - require:
      - cmd: k8s-reset-iptables

{%- if 'etcd' in cluster.me.roles %}

etcd-reset-stopped:
  service.dead:
    - name: etcd

etcd-reset-data:
  file.absent:
    - name: {{ etcd.data_dir }}/member
    - require:
      - service: etcd-reset-stopped
{%- endif %}
