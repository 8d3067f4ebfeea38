echo "a file" > "$T/afile"
echo "plain data" > "$T/plain.bin"
echo "this is not a tarball" > "$T/garbage.tar.gz"
cp "$FILES/app.tar.gz" "$T/app.tgz"
