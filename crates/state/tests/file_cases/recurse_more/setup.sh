mkdir -p t1 && printf 'a v1\n' > t1/a.txt
mkdir -p t2/a.txt && echo x > t2/a.txt/inner && echo s > t2/sub
echo f > plainfile
