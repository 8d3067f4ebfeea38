# cmd.script: fetch a script, run it, remove the copy.
report:
  cmd.script:
    - source: salt://scripts/report.sh
    - cwd: @TMP@

by-name:
  cmd.script:
    - name: salt://scripts/report.sh
    - cwd: /

failing:
  cmd.script:
    - source: salt://scripts/fail.sh

missing:
  cmd.script:
    - source: salt://scripts/not-there.sh

local-path:
  cmd.script:
    - source: @TMP@/local.sh
    - cwd: @TMP@

stateful-script:
  cmd.script:
    - source: salt://scripts/stateful.sh
    - stateful: True
    - env:
        MARK: @TMP@/marker

templated:
  cmd.script:
    - source: salt://scripts/templated.sh
    - template: jinja
    - defaults:
        greeting: Hello
        who: nobody
    - context:
        who: world

bad-context:
  cmd.script:
    - source: salt://scripts/report.sh
    - context: [1, 2]

bad-cwd:
  cmd.script:
    - source: salt://scripts/report.sh
    - cwd: @TMP@/nowhere

guarded:
  cmd.script:
    - source: salt://scripts/report.sh
    - creates: @TMP@/local.sh
