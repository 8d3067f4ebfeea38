{%- from 'common/map.jinja' import common with context %}
# 000/001: SELinux out of the way (`setenforce 0` now, SELINUX=permissive in
# /etc/selinux/config for the next boot). Only on hosts that have SELinux.
common-selinux-now:
  cmd.run:
    - name: setenforce 0
    - onlyif: test "$(getenforce 2>/dev/null)" = Enforcing

common-selinux-config:
  file.replace:
    - name: /etc/selinux/config
    - pattern: '^SELINUX=(enforcing|permissive|disabled)$'
    - repl: SELINUX={{ common.selinux }}
    - onlyif: test -f /etc/selinux/config
