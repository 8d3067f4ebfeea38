# Packages come from the lab image's local repository (deploy/lab):
# Debian's tree, and salt-lab-tool 1.0/1.1, salt-lab-extra 2.0 built there;
# salt-lab-src is a .deb file served from the file roots.
pinned:
  pkg.installed:
    - name: salt-lab-tool
    - version: "1.0"

upgrade:
  pkg.latest:
    - name: salt-lab-tool
    - require:
      - pkg: pinned

several:
  pkg.installed:
    - pkgs:
      - tree
      - salt-lab-extra

from-file:
  pkg.installed:
    - sources:
      - salt-lab-src: salt://debs/salt-lab-src_1.0_all.deb

nosuch:
  pkg.installed:
    - name: salt-lab-nosuch

hello:
  pkg.removed: []

never-installed:
  pkg.removed:
    - name: salt-lab-nosuch
