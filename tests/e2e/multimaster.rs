//! Hot multi-master: a minion with `master:` as a list keeps a session with
//! each master (127.0.0.1 and 127.0.0.2, same ports) and answers jobs from
//! either, pinning each master's key separately.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use salt_testkit::{Output, bin, free_port, run_cmd, wait_until};

struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn spawn(name: &str, dir: &Path) -> Child {
    let log = std::fs::File::create(dir.join("log")).expect("log");
    Command::new(bin(name))
        .arg("-c")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("spawn")
}

fn salt(dir: &Path, args: &[&str]) -> Output {
    run_cmd(Command::new(bin("salt-rs")).arg("-c").arg(dir).args(args))
}

/// Two masters on 127.0.0.1 and 127.0.0.2 (same ports, auto_accept) and
/// one minion with `master:` listing both plus `minion_extra` config;
/// returns the master config dirs and the minion's dir once both sockets
/// are up.
fn two_masters_one_minion(
    tmp: &Path,
    procs: &mut Procs,
    id: &str,
    minion_extra: &str,
) -> (Vec<std::path::PathBuf>, std::path::PathBuf) {
    let (pub_port, ret_port) = (free_port(), free_port());
    let masters: Vec<_> = (1..=2)
        .map(|i| {
            let d = tmp.join(format!("master{i}"));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(
                d.join("master"),
                format!(
                    "root_dir: {}\ninterface: 127.0.0.{i}\npublish_port: {pub_port}\nret_port: {ret_port}\nauto_accept: True\nheartbeat_interval: 1\n",
                    d.display()
                ),
            )
            .unwrap();
            procs.0.push(spawn("salt-rs-master", &d));
            d
        })
        .collect();
    for m in &masters {
        assert!(wait_until(Duration::from_secs(20), || m
            .join("run/salt-rs/master.sock")
            .exists()));
    }
    let n = tmp.join("minion");
    std::fs::create_dir_all(&n).unwrap();
    std::fs::write(
        n.join("minion"),
        format!(
            "root_dir: {}\nid: {id}\nmaster:\n  - 127.0.0.1\n  - 127.0.0.2\nmaster_port: {ret_port}\npublish_port: {pub_port}\nacceptance_wait_time: 1\nrecon_default: 100\nrecon_max: 1000\nheartbeat_interval: 1\n{minion_extra}",
            n.display()
        ),
    )
    .unwrap();
    procs.0.push(spawn("salt-rs-minion", &n));
    (masters, n)
}

#[test]
fn a_minion_answers_both_masters() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut procs = Procs(Vec::new());
    let (masters, n) = two_masters_one_minion(tmp.path(), &mut procs, "multi", "");
    for (i, m) in masters.iter().enumerate() {
        let word = format!("from-master{}", i + 1);
        let mut last = None;
        let ok = wait_until(Duration::from_secs(30), || {
            let out = salt(
                m,
                &[
                    "multi",
                    "test.echo",
                    &word,
                    "--out",
                    "json",
                    "--static",
                    "-t",
                    "2",
                ],
            );
            let done = out.code == 0 && out.stdout.contains(&word);
            last = Some(out);
            done
        });
        assert!(
            ok,
            "master{} got no answer: {last:?}\nminion log:\n{}",
            i + 1,
            std::fs::read_to_string(n.join("log")).unwrap_or_default()
        );
    }
    let pki = n.join("etc/salt-rs/pki/minion");
    let first = std::fs::read_to_string(pki.join("minion_master.pub")).unwrap();
    let second = std::fs::read_to_string(pki.join("minion_master.127.0.0.2.pub")).unwrap();
    assert_ne!(first, second, "each master's key is pinned on its own");
}

/// `master_type: failover`: the minion talks to the first master only, and
/// moves to the second once the first has been silent for
/// `master_alive_interval` seconds.
#[test]
fn failover_moves_to_the_second_master() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut procs = Procs(Vec::new());
    let (masters, n) = two_masters_one_minion(
        tmp.path(),
        &mut procs,
        "fo",
        "master_type: failover\nmaster_alive_interval: 3\nlog_level: debug\n",
    );
    let answers = |m: &Path| {
        let out = salt(
            m,
            &["fo", "test.ping", "--out", "json", "--static", "-t", "2"],
        );
        out.code == 0 && out.stdout.contains("true")
    };
    let log = || std::fs::read_to_string(n.join("log")).unwrap_or_default();
    assert!(
        wait_until(Duration::from_secs(30), || answers(&masters[0])),
        "no answer from the first master:\n{}",
        log()
    );
    // Only the first master knows the minion.
    let second_keys = masters[1].join("etc/salt-rs/pki/master");
    assert!(!second_keys.join("minions/fo").exists());
    assert!(!second_keys.join("minions_pre/fo").exists());
    // Stop the first master: the minion moves on by itself.
    let mut first = procs.0.remove(0);
    let _ = first.kill();
    let _ = first.wait();
    assert!(
        wait_until(Duration::from_secs(40), || answers(&masters[1])),
        "no answer from the second master after failover:\n{}",
        log()
    );
    assert!(log().contains("failing over"), "{}", log());
}
