# Accounts for the states to change or remove.
set -e
useradd -m olduser
useradd -m -s /bin/bash changer
useradd -u 6001 uidchange
groupadd oldgroup
