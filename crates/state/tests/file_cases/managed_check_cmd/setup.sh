printf 'old\n' > bad.conf
cp "$(dirname "$0")/files/site.conf" same.conf
