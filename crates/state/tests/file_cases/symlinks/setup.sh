echo t > target.txt
ln -s target.txt correct
ln -s /etc/passwd wrong
echo b > blocker
echo f > forced
echo k > backme
mkdir adir
