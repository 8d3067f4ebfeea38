printf 'local source\n' > src.txt
printf 'old\n' > existing.txt
