backed_up:
  file.managed:
    - name: __DIR__/backed.txt
    - source: salt://files/new.txt
    - backup: minion

through_link:
  file.managed:
    - name: __DIR__/link-to-real
    - source: salt://files/new.txt

replace_link:
  file.managed:
    - name: __DIR__/link-to-other
    - source: salt://files/new.txt
    - follow_symlinks: False

warn_file_mode:
  file.managed:
    - name: __DIR__/warned.txt
    - contents: x
    - file_mode: 644

owner_alias:
  file.managed:
    - name: __DIR__/owner.txt
    - contents: y
    - owner: root
