printf '127.0.0.1 localhost\n# BEGIN managed\nold entry\n# END managed\ntrailer\n' > hosts
printf 'line one\n' > plain
printf 'line one\n' > plain2
printf 'first\nsecond\nthird\n' > plain3
printf 'nothing\n' > plain4
printf 'start\n' > templated
printf 'start\n' > hidden
printf '#-- start managed zone --\nno end\n' > broken
