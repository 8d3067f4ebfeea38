# file.managed gives real "diff" changes (the capture script prepares the files).
new_file:
  file.managed:
    - name: /tmp/salt-rs-highstate-golden/new.txt
    - contents: |
        a new file

changed_file:
  file.managed:
    - name: /tmp/salt-rs-highstate-golden/changed.txt
    - contents: |
        line one
        line two, edited
        line three
