printf 'host = alpha\nport = 8080\n' > cfg
printf 'aaa\nHello world\nzzz\n' > many
printf 'x\000\001\002' > bin
