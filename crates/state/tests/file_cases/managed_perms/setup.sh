printf 'local edits\n' > keep.txt
chmod 644 keep.txt
printf 'fine\n' > keep_ok.txt
printf 'other\n' > present.txt
printf 'content\n' > owned.txt
printf 'content\n' > byid.txt
