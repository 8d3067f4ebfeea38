# An etcd member with TLS between peers and clients (001's two-node cluster,
# 004's three): binaries, certificates signed by the cluster's etcd CA, and
# 001's etcd.service with --initial-cluster built from the node list.
include:
  - etcd.install
  - etcd.pki
  - etcd.service
