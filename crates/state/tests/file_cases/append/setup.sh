printf 'existing line\n' > motd
printf 'base\n' > motd2
printf 'no newline' > nonl
