keepalived:
  pkg.installed: []
