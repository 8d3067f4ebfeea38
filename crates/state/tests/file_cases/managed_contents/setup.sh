printf 'old first\nsecond\n' > existing.txt
