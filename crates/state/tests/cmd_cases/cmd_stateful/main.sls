# stateful commands report their own outcome.
pairs-changed:
  cmd.run:
    - name: |
        echo working
        echo "changed=yes comment='cache rebuilt' extra=1"
    - stateful: True

pairs-unchanged:
  cmd.run:
    - name: echo "changed=no comment='nothing to do'"
    - stateful: True

json-changed:
  cmd.run:
    - name: |-
        echo '{"changed": true, "comment": "from json", "items": [1, 2]}'
    - stateful: True

json-not-object:
  cmd.run:
    - name: echo '[1, 2]'
    - stateful: True

unparsable:
  cmd.run:
    - name: echo just some words
    - stateful: True

stderr-only:
  cmd.run:
    - name: echo problem >&2
    - stateful: True

bad-boolean:
  cmd.run:
    - name: echo changed=maybe
    - stateful: True

failing-stateful:
  cmd.run:
    - name: echo "changed=yes comment=broke"; exit 4
    - stateful: True

with-test-name:
  cmd.run:
    - name: echo "changed=yes comment=real"
    - stateful:
      - test_name: echo "changed=no comment=dry-run"
