web:
  pkg.installed: []
