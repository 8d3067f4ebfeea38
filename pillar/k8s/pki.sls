# ============================================================================
#  PLACEHOLDERS: every value in this file is an example and MUST be replaced
#  before the tree is applied to real hosts. Keep the real file out of
#  version control (or encrypt it with Salt's gpg renderer).
# ============================================================================
#
# Only masters and etcd members get this file (see pillar/top.sls): workers
# never see the CA key.

etcd:
  pki:
    # The etcd CA (001's ca.pem / ca-key.pem). Create one with
    # `salt-call --local state.sls etcd.ca` and paste the two files here.
    # Every etcd member and master signs its own certificates with it.
    ca_cert: |
      -----BEGIN CERTIFICATE-----
      PLACEHOLDER: paste ca.pem here
      -----END CERTIFICATE-----
    ca_key: |
      -----BEGIN RSA PRIVATE KEY-----
      PLACEHOLDER: paste ca-key.pem here
      -----END RSA PRIVATE KEY-----

k8s:
  # Encrypts the control-plane certificates that `kubeadm init --upload-certs`
  # stores for the other masters (`kubeadm certs certificate-key`: 64 hex
  # digits). The uploaded copy expires after two hours: re-upload with
  # `kubeadm init phase upload-certs --upload-certs --config /etc/kubernetes/kubeadm/config.yml`.
  certificate_key: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  # PLACEHOLDER
