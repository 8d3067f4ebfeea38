mkdir -p conf.d/junkdir/inner conf.d/kept
echo j > conf.d/junk.conf
echo j > conf.d/junkdir/inner/deep.conf
echo k > conf.d/kept/inside
echo old > conf.d/keep.conf
mkdir -p other.d
echo s > other.d/a.save
echo s > other.d/b.conf
