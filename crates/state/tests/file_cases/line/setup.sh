printf '[section]\n    a = 1\n    b = 2\n    c = 3\n' > conf
printf 'one\ntwo\nthree\n' > list
printf 'x\nw\n' > list2
printf 'dup\ndup\n' > dups
