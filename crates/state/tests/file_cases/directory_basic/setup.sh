mkdir existing && chmod 700 existing
echo x > blocker
echo x > forceme
echo x > backme
mkdir realdir && ln -s realdir linkdir && ln -s realdir linkdir2
