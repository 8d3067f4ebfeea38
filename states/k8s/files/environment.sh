# Managed by Salt (k8s.environment): 000's environment.sh.
export SERVICE_CIDR={{ service_cidr }}
export CLUSTER_CIDR={{ cluster_cidr }}
export FLANNEL_ETCD_PREFIX=/{{ appname }}/network
export CLUSTER_KUBERNETES_SVC_IP={{ cluster_service_ip }}
export CLUSTER_DNS_SVC_IP={{ cluster_dns }}
export CLUSTER_DNS_DOMAIN={{ cluster_domain }}
export KUBE_APISERVER=https://{{ cluster_server }}
export KUBE_REPO_PREFIX={{ repo_prefix }}
export KUBE_VERSION={{ kube_version }}
export ETCD_VERSION={{ etcd_version }}
export ETCD_ENDPOINTS={{ etcd_endpoints }}
