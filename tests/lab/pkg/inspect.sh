# salt-lab-src is left out: see differs.
dpkg-query -W -f '${Package} ${Version} ${Status}\n' hello tree salt-lab-tool salt-lab-extra 2>&1
