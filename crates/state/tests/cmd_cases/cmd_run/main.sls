# cmd.run: output, exit codes, cwd, env, shell options.
hello:
  cmd.run:
    - name: echo out; echo err >&2

fails:
  cmd.run:
    - name: echo about to fail; exit 3

allowed-code:
  cmd.run:
    - name: exit 3
    - success_retcodes:
      - 3

in-cwd:
  cmd.run:
    - name: pwd
    - cwd: @TMP@

env-map:
  cmd.run:
    - name: echo "$GREETING $WHO"
    - env:
        GREETING: hi
        WHO: there

env-list:
  cmd.run:
    - name: echo "$A-$B"
    - env:
      - A: one
      - B: two

hidden:
  cmd.run:
    - name: echo secret
    - hide_output: True

makes-file:
  cmd.run:
    - name: echo made > @TMP@/made.txt
    - creates: @TMP@/made.txt

with-stdin:
  cmd.run:
    - name: cat
    - stdin: from stdin

missing-cwd:
  cmd.run:
    - name: pwd
    - cwd: @TMP@/no/such/dir

bad-env:
  cmd.run:
    - name: echo x
    - env: NOT=A_MAP

names-list:
  cmd.run:
    - names:
      - echo first
      - echo second

prepended:
  cmd.run:
    - name: 'echo $PATH | cut -d: -f1'
    - prepend_path: /opt/salt-case/bin
