echo x > file.txt
mkdir -p tree/a/b && echo y > tree/a/b/c
ln -s /nonexistent/target link
echo z > stays
