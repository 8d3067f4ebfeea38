printf 'old content\n' > backed.txt
printf 'real old\n' > real.txt
ln -s real.txt link-to-real
printf 'other old\n' > other.txt
ln -s other.txt link-to-other
