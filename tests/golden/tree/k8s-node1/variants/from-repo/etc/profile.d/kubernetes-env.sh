# Managed by Salt (k8s.environment): 000's environment.sh.
export SERVICE_CIDR=10.96.0.0/12
export CLUSTER_CIDR=10.244.0.0/16
export FLANNEL_ETCD_PREFIX=/kubernetes/network
export CLUSTER_KUBERNETES_SVC_IP=10.96.0.1
export CLUSTER_DNS_SVC_IP=10.96.0.10
export CLUSTER_DNS_DOMAIN=cluster.local
export KUBE_APISERVER=https://192.168.200.240:6443
export KUBE_REPO_PREFIX=192.168.200.22:5000/k8s
export KUBE_VERSION=v1.37.2
export ETCD_VERSION=3.6.16
export ETCD_ENDPOINTS=https://192.168.200.22:2379,https://192.168.200.21:2379,https://192.168.200.23:2379
