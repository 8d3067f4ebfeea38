# Two more copies of the lab's test unit: salt-lab-two (new to systemd: no
# daemon-reload yet) and salt-lab-three (enabled and running).
set -e
for u in two three; do
  sed "s/salt-lab-daemon.log/salt-lab-$u.log/" /etc/systemd/system/salt-lab-daemon.service >/etc/systemd/system/salt-lab-$u.service
done
systemctl daemon-reload
systemctl enable --now salt-lab-three.service 2>/dev/null
rm /etc/systemd/system/salt-lab-two.service
systemctl daemon-reload
sed "s/salt-lab-daemon.log/salt-lab-two.log/" /etc/systemd/system/salt-lab-daemon.service >/etc/systemd/system/salt-lab-two.service
