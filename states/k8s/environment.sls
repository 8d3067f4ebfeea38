{%- from 'cluster.jinja' import cluster with context %}
# 000's environment.sh: the cluster's addresses and versions as shell
# variables for operators and scripts (file.managed + template + defaults,
# as in 000's usr/local/environment.sls).
k8s-environment:
  file.managed:
    - name: {{ salt['pillar.get']('k8s:env_file', '/etc/profile.d/kubernetes-env.sh') }}
    - source: salt://k8s/files/environment.sh
    - template: jinja
    - mode: '0644'
    - defaults:
        appname: {{ salt['pillar.get']('k8s:cluster_name', 'kubernetes') }}
        repo_prefix: {{ cluster.image_prefix }}
        kube_version: v{{ salt['pillar.get']('k8s:version') }}
        etcd_version: {{ salt['pillar.get']('etcd:version') }}
        cluster_dns: {{ salt['pillar.get']('k8s:cluster_dns') }}
        cluster_cidr: {{ salt['pillar.get']('k8s:pod_cidr') }}
        service_cidr: {{ salt['pillar.get']('k8s:service_cidr') }}
        cluster_service_ip: {{ salt['pillar.get']('k8s:kubernetes_service_ip') }}
        cluster_server: {{ cluster.endpoint }}
        cluster_domain: {{ salt['pillar.get']('k8s:dns_domain', 'cluster.local') }}
        etcd_endpoints: {{ cluster.etcd_endpoints | join(',') }}
