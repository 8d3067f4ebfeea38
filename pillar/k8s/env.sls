# Cluster-wide settings (000's env.sls, 001's hand-edited values).
# Versions live in k8s/versions.sls, passwords and keys in k8s/secrets.sls.
# The addresses below are examples: change them for your network.

k8s:
  cluster_name: kubernetes
  # The keepalived virtual IP in front of the apiservers (001: 192.168.200.240)
  # and its prefix length on the node interfaces.
  vip: 192.168.200.240
  vip_prefix: 24
  api_port: 6443
  # Extra names and addresses for the apiserver certificate; the masters'
  # hostnames and IPs and the VIP are always added.
  extra_cert_sans:
    - k8s-api.cluster.example
  service_cidr: 10.96.0.0/12
  pod_cidr: 10.244.0.0/16
  # The kubernetes service's and the cluster DNS service's addresses: inside
  # service_cidr (kubeadm uses the first and the tenth address).
  kubernetes_service_ip: 10.96.0.1
  cluster_dns: 10.96.0.10
  dns_domain: cluster.local
  # repo: from the distribution's Kubernetes repository (pkgs.k8s.io, or a
  # mirror in repo_base_url); offline: from the files under states/pkgs/
  # (a node entry's install_from overrides this).
  install_from: repo
  repo_base_url: "https://pkgs.k8s.io/core:/stable:"
  # Where the repo-less binaries (etcd, cfssl) are downloaded from: 004's
  # internal HTTP mirror, or salt://pkgs/bin to serve them from the master.
  download_url: salt://pkgs/bin
  cgroup_driver: systemd
  container_runtime: containerd
  # kube-router (001) or flannel (000/004) as the pod network, applied once
  # from the init master.
  cni: kube-router
  kube_router:
    # 001's "all features" variant: kube-router also replaces kube-proxy
    # (kubeadm then skips its kube-proxy addon).
    service_proxy: false
  flannel:
    backend: vxlan
  control_plane:
    # The master that runs `kubeadm init`; the other masters join it.
    # Default: the master with the highest keepalived_priority.
    init_node: k8s-master1
    # Let ordinary pods run on the masters (removes kubeadm's NoSchedule taint).
    schedulable: false
    # 003: self-signed cluster certificates valid 10000 days.
    cert_validity: 8760h
    ca_cert_validity: 240000h
    kube_proxy_mode: ipvs
  # Where the environment file of 000 (/usr/local/environment.sh) goes.
  env_file: /etc/profile.d/kubernetes-env.sh

etcd:
  client_port: 2379
  peer_port: 2380
  data_dir: /var/lib/etcd
  ssl_dir: /etc/etcd/ssl
  initial_cluster_token: etcd-cluster-0
  # `new` while the cluster is first brought up; a member added later to a
  # running cluster needs `existing` (003).
  initial_cluster_state: new
  pki:
    # openssl (always installed) or cfssl (001/004, binaries from download_url)
    tool: openssl
    expiry_days: 10000
    names:
      C: CN
      ST: BeiJing
      L: BeiJing
      O: k8s
      OU: System
    # Where `state.sls etcd.ca` creates a new CA on the admin host.
    ca_workdir: /opt/ssl

keepalived:
  virtual_router_id: 61
  advert_int: 1
  router_id: LVS_k8s
  # True: every master starts as BACKUP with nopreempt, so a recovered master
  # does not take the VIP back (keepalived ignores nopreempt on MASTER).
  nopreempt: false
  check:
    interval: 3
    timeout: 9
    fall: 2
    rise: 2

registry:
  # The private registry (000: repo host/port) every node pulls from.
  host: 192.168.200.22
  port: 5000
  # Images live under host:port/project (001: example.com/google_containers).
  project: k8s
  tls: true
  data_dir: /var/lib/registry
  config_dir: /etc/docker-registry
  # Extra REGISTRY_* environment of the registry container, for example 000's
  # object storage backend:
  #   REGISTRY_STORAGE: bos
  #   REGISTRY_STORAGE_BOS_REGION: gz
  #   REGISTRY_STORAGE_BOS_BUCKET: xf-repo
  env: {}
  # Mirrors of docker.io for docker and containerd (000: hub-mirror.c.163.com).
  mirrors:
    - https://mirror.gcr.io

docker:
  data_root: /var/lib/docker
  log_max_size: 100m
  repo_base_url: https://download.docker.com/linux

containerd:
  root: /var/lib/containerd

common:
  # 001/003: SELinux off (permissive) and firewalld stopped where present.
  selinux: permissive
  disable_firewall: true
  swap_off: true
  kernel_modules:
    - br_netfilter
    - overlay
    - ip_vs
    - ip_vs_rr
    - ip_vs_wrr
    - ip_vs_sh
    - nf_conntrack
  sysctl:
    net.bridge.bridge-nf-call-iptables: 1
    net.bridge.bridge-nf-call-ip6tables: 1
    net.ipv4.ip_forward: 1
    vm.swappiness: 0
    fs.file-max: 2097152
    fs.inotify.max_user_watches: 524288
    # 003: conntrack table sized for ~200k connections
    net.netfilter.nf_conntrack_max: 262144
    net.ipv4.neigh.default.gc_thresh1: 8192
    net.ipv4.neigh.default.gc_thresh2: 32768
    net.ipv4.neigh.default.gc_thresh3: 65536
  ntp_servers:
    - 0.pool.ntp.org
    - 1.pool.ntp.org
  limits:
    nofile: 1048576
    nproc: 65535

offline:
  # Where `cp.get_dir salt://pkgs/<os_family>` puts the package files.
  dir: /var/cache/k8s-offline
