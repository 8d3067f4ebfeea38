# cmd.wait and watch: mod_watch runs the command when a target changed.
changer:
  test.succeed_with_changes

quiet:
  test.succeed_without_changes

waits-on-change:
  cmd.wait:
    - name: echo fired
    - watch:
      - test: changer

waits-on-quiet:
  cmd.wait:
    - name: echo never
    - watch:
      - test: quiet

run-watching:
  cmd.run:
    - name: echo ran anyway
    - watch:
      - test: changer

run-watching-with-unless:
  cmd.run:
    - name: echo guarded
    - unless: 'true'
    - watch:
      - test: changer

wait-stateful:
  cmd.wait:
    - name: echo "changed=no comment='watch fired, nothing changed'"
    - stateful: True
    - watch:
      - test: changer

on-changes:
  cmd.run:
    - name: echo changes seen
    - onchanges:
      - test: changer

wait-script:
  cmd.wait_script:
    - source: salt://hello.sh
    - watch:
      - test: changer

listener:
  cmd.wait:
    - name: echo listened
    - listen:
      - test: changer
