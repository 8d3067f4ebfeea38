mkdir -p tree/sub && echo a > tree/a && echo b > tree/sub/b && chmod 777 tree/a && chmod 755 tree/sub tree
mkdir -p dirsonly/sub && echo a > dirsonly/a && chmod 755 dirsonly/sub dirsonly
mkdir -p filesonly/sub && echo a > filesonly/sub/a && chmod 644 filesonly/sub/a && chmod 755 filesonly filesonly/sub
mkdir -p quiet/sub && echo a > quiet/sub/a && chmod 600 quiet/sub/a && chmod 700 quiet/sub quiet
mkdir -p depth/one/two && chmod 755 depth depth/one depth/one/two
mkdir -p badrec badrec2 badrec3
