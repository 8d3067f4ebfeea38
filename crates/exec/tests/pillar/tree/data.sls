app:
  name: shop
  port: 8080
  hosts:
    - web1
    - web2
  db:
    host: db.local
    port: 5432
  tags: [a, b]
users:
  - alice:
      uid: 1000
  - bob:
      uid: 1001
  - carol
role: web
roles: [web, cache]
flag: true
ratio: 0.5
nothing: ~
empty: {}
count: 3
'a|b': piped
