# Node preparation (001's checklist, 003's "new data centre" list, 004's
# os-init): packages, hostname and /etc/hosts, firewall off, swap off, kernel
# modules and sysctls persisted, time sync, limits. SELinux is in
# common.selinux, which states/top.sls gives to RedHat-family hosts.
include:
  - common.packages
  - common.hostname
  - common.firewall
  - common.swap
  - common.kernel
  - common.sysctl
  - common.time
  - common.limits
