{%- from 'common/map.jinja' import common with context %}
# 003: kernel and process limits for busy nodes (open files, processes).
common-limits:
  file.managed:
    - name: {{ common.limits_file }}
    - source: salt://common/files/limits.conf
    - template: jinja
    - context:
        nofile: {{ common.limits.nofile }}
        nproc: {{ common.limits.nproc }}
