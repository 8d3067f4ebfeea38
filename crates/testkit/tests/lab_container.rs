//! The container lab works: systemd boots as PID 1, a unit starts and
//! reloads, apt installs from the local repository with no network, net
//! sysctls are writable and the host's are not, the binaries are mounted.

use std::time::Duration;

use salt_testkit::container::{BIN, Host};

#[test]
fn lab_host_boots_systemd_and_installs_packages_offline() {
    let host = match Host::start() {
        Ok(h) => h,
        Err(skip) => return skip.print(),
    };
    assert_eq!(host.exec(&["cat", "/proc/1/comm"]).stdout.trim(), "systemd");

    let out = host.sh("systemctl start salt-lab-daemon && systemctl reload salt-lab-daemon");
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        host.wait_for(
            "grep -q reloaded /run/salt-lab-daemon.log",
            Duration::from_secs(10)
        ),
        "{:?}",
        host.read_file("/run/salt-lab-daemon.log")
    );

    let out = host.sh("apt-get -qq update && apt-get install -y -qq hello >/dev/null && hello");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.trim(), "Hello, world!");
    let out = host.sh("apt-cache policy salt-lab-tool | sed -n 's/ *Candidate: //p'");
    assert_eq!(out.stdout.trim(), "1.1", "{out:?}");

    if host.net_sysctls_writable() {
        let out = host.sh("sysctl -w net.ipv4.ip_forward=0 && sysctl -n net.ipv4.ip_forward");
        assert_eq!(out.stdout.lines().last(), Some("0"), "{out:?}");
    }
    let out = host.sh("sysctl -w vm.swappiness=11");
    assert_ne!(out.code, 0, "host sysctls must stay read-only: {out:?}");

    let out = host.exec(&["test", "-d", BIN]);
    assert_eq!(out.code, 0, "{out:?}");
}
