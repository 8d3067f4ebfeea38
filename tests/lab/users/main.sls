labgrp:
  group.present:
    - gid: 5000

labmembers:
  group.present:
    - members:
      - root
      - nobody

addgrp:
  group.present:
    - gid: 5010
    - addusers:
      - root

labuser:
  user.present:
    - uid: 5001
    - gid: labgrp
    - groups:
      - users
    - home: /home/labuser
    - shell: /bin/sh
    - fullname: Lab User
    - require:
      - group: labgrp

own-group:
  user.present:
    - name: selfish
    - usergroup: True

nohome:
  user.present:
    - createhome: False
    - system: True

changer:
  user.present:
    - shell: /bin/sh
    - groups:
      - users
    - roomnumber: 42

uidchange:
  user.present:
    - uid: 6002

missinggrp:
  user.present:
    - groups:
      - nosuchgroup

comma:
  user.present:
    - fullname: Doe, John

olduser:
  user.absent:
    - purge: True

ghost:
  user.absent: []

oldgroup:
  group.absent: []

nogroup-here:
  group.absent: []
