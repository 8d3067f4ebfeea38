foo: hello
count: 3
flag: true
items:
  - a
  - b
nested:
  deep:
    value: 1.5
