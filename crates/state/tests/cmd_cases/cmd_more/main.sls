# Conditions, timeouts and failures of cmd.run.
slow:
  cmd.run:
    - name: sleep 5
    - timeout: 1

slow-ignored:
  cmd.run:
    - name: sleep 5
    - timeout: 1
    - ignore_timeout: True

only-if-true:
  cmd.run:
    - name: echo onlyif passed
    - onlyif: 'true'

only-if-false:
  cmd.run:
    - name: echo never
    - onlyif:
      - 'true'
      - 'false'

unless-false:
  cmd.run:
    - name: echo unless passed
    - unless: test -e @TMP@/nothing-here

creates-list:
  cmd.run:
    - name: touch @TMP@/a @TMP@/b
    - creates:
      - @TMP@/a
      - @TMP@/b

no-such-command:
  cmd.run:
    - name: /no/such/command --flag
    - shell: /bin/sh

no-such-user:
  cmd.run:
    - name: id
    - runas: no-such-user-salt-case

as-nobody:
  cmd.run:
    - name: id -un
    - runas: nobody
    - cwd: /

needs-failure:
  cmd.run:
    - name: echo after failure
    - require:
      - cmd: no-such-command

success-stdout:
  cmd.run:
    - name: echo all fine; exit 1
    - success_stdout: all fine

explicit-shell:
  cmd.run:
    - name: echo $0
    - shell: /bin/sh
