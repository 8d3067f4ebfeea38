# salt-lab-daemon ships stopped and disabled; `trigger` changes on every
# run, so from the second run on the watches fire (restart, reload).
trigger:
  test.succeed_with_changes: []

salt-lab-daemon:
  service.running:
    - enable: True
    - watch:
      - test: trigger

two-reloads:
  service.running:
    - name: salt-lab-two
    - reload: True
    - watch:
      - test: trigger

two-enabled:
  service.enabled:
    - name: salt-lab-two
    - require:
      - service: two-reloads

salt-lab-three:
  service.dead:
    - enable: False

e2scrub_reap:
  service.disabled: []

missing-running:
  service.running:
    - name: salt-lab-nosuch

missing-dead:
  service.dead:
    - name: salt-lab-nosuch

missing-enabled:
  service.enabled:
    - name: salt-lab-nosuch

typo:
  service.running:
    - name: salt-lab-daemon
    - enabled: True
