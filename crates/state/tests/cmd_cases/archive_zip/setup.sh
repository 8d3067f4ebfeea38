cp "$FILES/app.zip" "$T/copy.zip"
