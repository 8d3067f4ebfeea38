mkdir -p "$T/src" && cp "$FILES/app.tar.gz" "$T/src/app.tgz"
