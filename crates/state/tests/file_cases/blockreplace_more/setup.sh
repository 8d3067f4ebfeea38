printf 'first\nsecond\nthird\n' > a
printf 'head\r\n#-- start managed zone --\r\nold\r\n#-- end managed zone --\r\ntail\r\n' > crlf
printf '#-- start managed zone --\nsame body\n#-- end managed zone --\n' > same
printf 'x\n' > nn
: > empty
