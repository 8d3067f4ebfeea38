# module.run, the legacy syntax (name is the function).
legacy-echo:
  module.run:
    - name: test.echo
    - text: hello

legacy-ping:
  module.run:
    - name: test.ping

legacy-missing:
  module.run:
    - name: test.echo

legacy-unavailable:
  module.run:
    - name: no.such_function

legacy-args:
  module.run:
    - name: test.arg
    - args:
      - a
      - b
    - kwargs:
        c: d

legacy-m-name:
  module.run:
    - name: grains.get
    - key: no_such_grain
    - default: fallback

changer:
  test.succeed_with_changes

watcher-new:
  module.run:
    - test.echo:
      - text: fired by watch
    - watch:
      - test: changer

watcher-wait:
  module.wait:
    - name: test.echo
    - text: waited
    - watch:
      - test: changer
