# A namespaced parameter set in the default file (/etc/sysctl.d/99-salt.conf),
# a multi-value one in its own file, and one that does not exist.
net.ipv4.ip_forward:
  sysctl.present:
    - value: 0

net.ipv4.ip_local_port_range:
  sysctl.present:
    - value: "20000	40000"
    - config: /etc/sysctl.d/50-lab.conf

net.ipv4.no_such_parameter:
  sysctl.present:
    - value: 1
