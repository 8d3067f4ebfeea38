mkdir -p www2/stale/inner && echo s > www2/stale/inner/old && echo s > www2/stale.txt
mkdir -p www6/conf && printf 'index v0\n' > www6/index.html && printf 'app {{ color }}\n' > www6/conf/app.conf
