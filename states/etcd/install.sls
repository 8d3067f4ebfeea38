{%- from 'etcd/map.jinja' import etcd with context %}
# 001/004: the etcd release binaries under /opt, linked into the PATH
# (004 verified each tarball's sha512: set etcd:source_hash when the
# download_url is an HTTP mirror), and the user etcd runs as.
etcd-group:
  group.present:
    - name: {{ etcd.user }}
    - system: True

etcd-user:
  user.present:
    - name: {{ etcd.user }}
    - gid: {{ etcd.user }}
    - system: True
    - home: {{ etcd.data_dir }}
    - createhome: False
    - shell: {{ etcd.nologin }}
    - require:
      - group: etcd-group

etcd-release:
  archive.extracted:
    - name: {{ etcd.install_dir }}
    - source: {{ etcd.tarball }}
{%- if etcd.source_hash %}
    - source_hash: {{ etcd.source_hash }}
{%- endif %}
    - if_missing: {{ etcd.release_dir }}/etcd
    - user: root
    - group: root

{%- for binary in ['etcd', 'etcdctl', 'etcdutl'] %}

etcd-bin-{{ binary }}:
  file.symlink:
    - name: {{ etcd.bin_dir }}/{{ binary }}
    - target: {{ etcd.release_dir }}/{{ binary }}
    - force: True
    - require:
      - archive: etcd-release
{%- endfor %}

etcd-data-dir:
  file.directory:
    - name: {{ etcd.data_dir }}
    - user: {{ etcd.user }}
    - group: {{ etcd.user }}
    - mode: '0700'
    - require:
      - user: etcd-user
