# ============================================================================
#  PLACEHOLDERS: every value in this file is an example and MUST be replaced
#  before the tree is applied to real hosts. Keep the real file out of
#  version control (or encrypt it with Salt's gpg renderer).
# ============================================================================

registry:
  # htpasswd users of the private registry (000: htpasswd -Bbn user pass);
  # the first one is also the account every node pulls with.
  users:
    - name: k8s-puller              # PLACEHOLDER
      password: change-me-registry  # PLACEHOLDER

keepalived:
  # VRRP PASS authentication: keepalived uses at most 8 characters.
  auth_pass: chAngeMe               # PLACEHOLDER

k8s:
  # kubeadm bootstrap token, [a-z0-9]{6}.[a-z0-9]{16}
  # (generate one with `kubeadm token generate`).
  token: abcdef.0123456789abcdef    # PLACEHOLDER
  token_ttl: 0s
  # sha256 of the cluster CA's public key, printed by `kubeadm init`, or:
  #   openssl x509 -pubkey -in /etc/kubernetes/pki/ca.crt | openssl rsa -pubin -outform der 2>/dev/null | openssl dgst -sha256 -hex | sed 's/^.* //'
  # Empty: joining nodes skip the CA pinning (unsafeSkipCAVerification).
  ca_cert_hash: "sha256:0000000000000000000000000000000000000000000000000000000000000000"  # PLACEHOLDER
