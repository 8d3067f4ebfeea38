{%- from 'common/map.jinja' import common with context %}
# The kubelet refuses to start with swap on: turn it off now and comment out
# the swap lines of /etc/fstab (003: swap partitions).
{%- if common.swap_off %}
common-swapoff:
  cmd.run:
    - name: swapoff -a
    - onlyif: test -n "$(swapon --show --noheadings)"

common-swap-fstab:
  file.replace:
    - name: /etc/fstab
    - pattern: '^([^#\s]\S*\s+\S+\s+swap\s.*)$'
    - repl: '# \1'
{%- endif %}
