keys:
  ssh: ssh-ed25519 AAAA user@host
  multi: |
    line a
    line b
nested:
  deep:
    value: from pillar
empty: ''
