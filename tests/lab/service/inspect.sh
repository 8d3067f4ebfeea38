for u in salt-lab-daemon salt-lab-two salt-lab-three e2scrub_reap; do
  echo "$u $(systemctl is-active $u) $(systemctl is-enabled $u)"
done
