for f in /etc/sysctl.d/99-salt.conf /etc/sysctl.d/50-lab.conf; do
  echo "== $f"; cat "$f"
done
sysctl net.ipv4.ip_forward net.ipv4.ip_local_port_range
