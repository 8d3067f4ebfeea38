app:
  port: 8080
  hosts:
    - alpha
    - beta
motd: |
  Welcome
  to the host
