# The lab's own repository is already in /etc/apt/sources.list; the others
# point nowhere (no network), so they are written without a refresh.
local-repo:
  pkgrepo.managed:
    - name: deb [trusted=yes] file:/srv/lab-repo ./

example:
  pkgrepo.managed:
    - name: deb [signed-by=/etc/apt/keyrings/example.gpg] http://deb.example.invalid/debian bookworm main
    - file: /etc/apt/sources.list.d/example.list
    - refresh: False

example-arch:
  pkgrepo.managed:
    - name: deb [arch=amd64 signed-by=/etc/apt/keyrings/other.gpg] http://other.example.invalid/debian bookworm main contrib
    - file: /etc/apt/sources.list.d/other.list
    - refresh: False

no-key:
  pkgrepo.managed:
    - name: deb http://nokey.example.invalid/debian bookworm main
    - refresh: False

conflict:
  pkgrepo.managed:
    - name: deb http://x.example.invalid/debian bookworm main
    - key_url: salt://keys/x.gpg
    - keyid: ABCDEF
