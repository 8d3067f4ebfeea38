printf '# managed by salt for dev\nport = 1\n' > existing.conf
