#!/bin/sh
if [ -e "$MARK" ]; then
  echo "changed=no comment='already set up'"
else
  touch "$MARK"
  echo "changed=yes comment='set up now'"
fi
