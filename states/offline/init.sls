{%- from 'offline/map.jinja' import offline with context %}
# Copies this os_family's package files from the master's file server to the
# node in one go (000: `salt '*' cp.get_dir salt://rpm /tmp makedirs=True
# gzip=9`, compressed in transit); the package states then install them with
# pkg.installed `sources:`. Skipped once every file listed in pillar
# offline:files is there.
{%- set checks = [] %}
{%- for name, file in offline.files | dictsort %}
{%-   do checks.append('test -f ' ~ offline.dir ~ '/' ~ file) %}
{%- endfor %}
offline-dir:
  file.directory:
    - name: {{ offline.base_dir }}
    - mode: '0755'
    - makedirs: True

offline-packages:
  module.run:
    - cp.get_dir:
      - path: {{ offline.source }}
      - dest: {{ offline.base_dir }}
      - gzip: 9
{%- if checks %}
    - unless: {{ checks | join(' && ') }}
{%- endif %}
    - require:
      - file: offline-dir
