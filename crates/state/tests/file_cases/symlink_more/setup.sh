echo 1 > t1; echo 2 > t2
ln -s t1 swap
ln -s t1 inherited && chown -h daemon:daemon inherited
mkdir realdir && ln -s "$DIR/realdir" dirlink
mkdir adir
echo b > b; echo old > b.old
