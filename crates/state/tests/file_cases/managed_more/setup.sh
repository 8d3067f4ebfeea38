printf 'before\n' > keepmode.txt
chmod 600 keepmode.txt
