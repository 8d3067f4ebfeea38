here=$(dirname "$0")
cp "$here/old_conf.txt" conf.txt
cp "$here/old_conf.txt" secret.txt
printf 'plain text\n' > tobin.dat
printf '\x00\x01\x02binary' > binbin.dat
cp "$here/files/conf.txt" same.txt
chmod 644 same.txt
printf 'first\nthird\n' > lastline.txt
