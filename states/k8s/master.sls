{%- from 'cluster.jinja' import cluster with context %}
{%- from 'k8s/map.jinja' import k8s with context %}
{%- from 'etcd/map.jinja' import etcd with context %}
# A control-plane node (001's kubeadm HA cluster, behind keepalived's VIP):
# kubeadm's config.yml with the external etcd, the VIP as control-plane
# endpoint, the certificate SANs, the token and the private registry as
# imageRepository. The init master runs `kubeadm init`, the other masters
# `kubeadm join --control-plane`, each only once (guarded by admin.conf);
# then the init master applies the pod network and the node labels.
{%- set is_init = cluster.me.id == cluster.init_node %}
{%- set sans = [] %}
{%- for master in cluster.masters %}
{%-   do sans.append(master.hostname) %}
{%-   do sans.append(master.ip) %}
{%- endfor %}
{%- do sans.append(cluster.vip) %}
{%- do sans.extend(k8s.extra_cert_sans) %}
include:
  - k8s.kubelet
  - etcd.client
{%- if is_init %}
  - k8s.cni
  - k8s.labels
{%- endif %}

k8s-kubeadm-dir:
  file.directory:
    - name: {{ k8s.kubeadm_dir }}
    - mode: '0700'
    - makedirs: True

k8s-kubeadm-config:
  file.managed:
    - name: {{ k8s.config_file }}
    - source: salt://k8s/files/kubeadm-config.yml
    - template: jinja
    - mode: '0600'
    - context:
        node_name: {{ cluster.me.hostname }}
        node_ip: {{ cluster.me.ip }}
        api_port: {{ cluster.api_port }}
        cri_socket: {{ k8s.cri_socket }}
        token: {{ k8s.token | json }}
        token_ttl: {{ k8s.token_ttl }}
        certificate_key: {{ k8s.certificate_key | json }}
        schedulable: {{ k8s.control_plane.schedulable }}
        skip_kube_proxy: {{ k8s.cni == 'kube-router' and k8s.kube_router.service_proxy }}
        cluster_name: {{ k8s.cluster_name }}
        version: {{ k8s.version }}
        endpoint: {{ cluster.endpoint }}
        image_repository: {{ cluster.image_prefix }}
        coredns_version: {{ k8s.coredns_version }}
        cert_validity: {{ k8s.control_plane.cert_validity }}
        ca_cert_validity: {{ k8s.control_plane.ca_cert_validity }}
        etcd_endpoints: {{ cluster.etcd_endpoints | json }}
        etcd_ca: {{ etcd.ssl_dir }}/ca.pem
        etcd_cert: {{ etcd.ssl_dir }}/apiserver-etcd-client.pem
        etcd_key: {{ etcd.ssl_dir }}/apiserver-etcd-client-key.pem
        pod_cidr: {{ k8s.pod_cidr }}
        service_cidr: {{ k8s.service_cidr }}
        dns_domain: {{ k8s.dns_domain }}
        cluster_dns: {{ k8s.cluster_dns }}
        cert_sans: {{ sans | unique | json }}
        cgroup_driver: {{ k8s.cgroup_driver }}
        proxy_mode: {{ k8s.control_plane.kube_proxy_mode }}
    - require:
      - file: k8s-kubeadm-dir

# 004's order: etcd first. Wait (bounded) until every member answers over
# TLS with the apiserver's client certificate before the first kubeadm run.
k8s-wait-for-etcd:
  cmd.run:
    - name: >-
        for endpoint in {{ cluster.etcd_endpoints | join(' ') }}; do
        curl -sf --max-time 5 --cacert {{ etcd.ssl_dir }}/ca.pem
        --cert {{ etcd.ssl_dir }}/apiserver-etcd-client.pem
        --key {{ etcd.ssl_dir }}/apiserver-etcd-client-key.pem
        "$endpoint/health" | grep -q '"health":"true"' || exit 1; done
    - creates: /etc/kubernetes/admin.conf
    - retry:
        attempts: 20
        interval: 15
    - require:
      - cmd: etcd-client-cert

# 000's kubemaster.sh pulled every image first, so that a slow registry does
# not stall `kubeadm init`.
k8s-images-pull:
  cmd.run:
    - name: kubeadm config images pull --config {{ k8s.config_file }}
    - creates: /etc/kubernetes/admin.conf
    - require:
      - file: k8s-kubeadm-config
      - service: containerd-service
      - pkg: k8s-packages

{%- if is_init %}

k8s-kubeadm-init:
  cmd.run:
    - name: kubeadm init --config {{ k8s.config_file }} --upload-certs
    - creates: /etc/kubernetes/admin.conf
    - require:
      - cmd: k8s-wait-for-etcd
      - cmd: k8s-images-pull
      - service: k8s-kubelet-enabled
      - sysctl: common-sysctl-net.ipv4.ip_forward
{%- else %}

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
        control_plane: True
        api_port: {{ cluster.api_port }}
        certificate_key: {{ k8s.certificate_key | json }}
        schedulable: {{ k8s.control_plane.schedulable }}
    - require:
      - file: k8s-kubeadm-dir

# The init master may still be coming up: retry for a while.
k8s-kubeadm-join:
  cmd.run:
    - name: kubeadm join --config {{ k8s.join_file }}
    - creates: /etc/kubernetes/admin.conf
    - retry:
        attempts: 10
        interval: 30
    - require:
      - file: k8s-kubeadm-join-config
      - cmd: k8s-wait-for-etcd
      - cmd: k8s-images-pull
      - service: k8s-kubelet-enabled
      - sysctl: common-sysctl-net.ipv4.ip_forward
{%- endif %}

# 000/001: `mkdir -p ~/.kube && cp /etc/kubernetes/admin.conf ~/.kube/config`.
k8s-root-kubeconfig:
  cmd.run:
    - name: install -D -m 0600 /etc/kubernetes/admin.conf /root/.kube/config
    - onlyif: test -f /etc/kubernetes/admin.conf
    - unless: cmp -s /etc/kubernetes/admin.conf /root/.kube/config
    - require:
      - cmd: {{ 'k8s-kubeadm-init' if is_init else 'k8s-kubeadm-join' }}
