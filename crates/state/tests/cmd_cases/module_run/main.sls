# module.run, the syntax of Salt 3005 and later.
echo-kwarg:
  module.run:
    - test.echo:
      - text: hello

echo-positional:
  module.run:
    - test.echo:
      - positional value

two-functions:
  module.run:
    - test.ping: []
    - test.echo:
      - text: second

with-kwargs:
  module.run:
    - test.arg:
      - one
      - 2
      - key: value
        other: 3

returns-failure:
  module.run:
    - test.arg:
      - result: False
        comment: from kwargs

missing-arg:
  module.run:
    - test.echo: []

unavailable:
  module.run:
    - no.such_function: []

two-unavailable:
  module.run:
    - no.such_function: []
    - other.missing_one: []

command:
  module.run:
    - cmd.run:
      - echo from module.run

command-retcode:
  module.run:
    - cmd.retcode:
      - 'false'

nested-retcode:
  module.run:
    - cmd.run_all:
      - 'false'

grains:
  module.run:
    - grains.get:
      - key: no_such_grain_here
      - default: default value
