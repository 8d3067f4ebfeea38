# The lab's kernel has no loadable modules (no /proc/modules, no
# /lib/modules/<release>): what Salt says about that, with and without persist.
dummy:
  kmod.present: []

persisted:
  kmod.present:
    - name: bonding
    - persist: True

several:
  kmod.present:
    - mods:
      - veth
