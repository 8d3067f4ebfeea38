# A script at a local path.
printf '#!/bin/sh\necho local script\n' > "$T/local.sh"
