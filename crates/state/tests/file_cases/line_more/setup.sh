printf 'one\ntwo\nthree\n' > a
printf 'first\nsecond\n' > b
printf 'begin\nend\n' > c
printf 'begin\nold middle\nend\n' > d
printf 'a\n  keep = me\nb\n' > e
printf '    key = 1\nother\n' > f
printf 'no newline' > g
