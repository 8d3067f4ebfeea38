# Every version the tree installs or pulls. Bump them here only.
#
# Package versions are matched as prefixes (`1.37.2*`), so the same value
# works for the Debian (1.37.2-1.1) and RPM (1.37.2-150500.1.1) builds.
k8s:
  version: 1.37.2
  pause_version: "3.10.1"
  coredns_version: v1.12.4
  kube_router_version: v2.6.1
  flannel_version: v0.27.4
  flannel_cni_plugin_version: v1.7.1-flannel1

etcd:
  version: 3.6.16

containerd:
  version: 2.2.1

docker:
  version: 28.5.2

registry:
  image: registry
  version: 3.0.0

cfssl:
  version: 1.6.5

offline:
  # The package files under states/pkgs/<os_family>/, by package name.
  files:
    RedHat:
      containerd.io: containerd.io-2.2.1-1.el9.x86_64.rpm
      cri-tools: cri-tools-1.37.0-150500.1.1.x86_64.rpm
      kubernetes-cni: kubernetes-cni-1.7.1-150500.1.1.x86_64.rpm
      kubelet: kubelet-1.37.2-150500.1.1.x86_64.rpm
      kubeadm: kubeadm-1.37.2-150500.1.1.x86_64.rpm
      kubectl: kubectl-1.37.2-150500.1.1.x86_64.rpm
    Debian:
      containerd.io: containerd.io_2.2.1-1_amd64.deb
      cri-tools: cri-tools_1.37.0-1.1_amd64.deb
      kubernetes-cni: kubernetes-cni_1.7.1-1.1_amd64.deb
      kubelet: kubelet_1.37.2-1.1_amd64.deb
      kubeadm: kubeadm_1.37.2-1.1_amd64.deb
      kubectl: kubectl_1.37.2-1.1_amd64.deb
