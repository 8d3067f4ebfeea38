grep -E '^(lab|selfish|nohome|changer|uidchange|olduser)' /etc/passwd
grep -E '^(lab|addgrp|oldgroup|users|selfish|changer)' /etc/group
ls -ld /home/labuser /home/selfish | awk '{print $1, $3, $4, $9}'
test -e /home/olduser && echo "olduser home left" || echo "olduser home removed"
