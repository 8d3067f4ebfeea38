//! The master's zeromq sockets must not be reachable over TCP: the only TCP
//! ports this process listens on are the two public ones owned by the guard,
//! and the zeromq sockets listen on Unix sockets in 0700 directories that
//! are gone after close. Linux only (reads `/proc`); its own test binary so
//! no other test's listeners are counted.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use salt_transport::{Limits, Publisher, Router};

/// Inodes of every socket this process holds.
fn own_socket_inodes() -> HashSet<u64> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|target| {
            let t = target.to_str()?.to_owned();
            t.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
        })
        .collect()
}

/// Local ports of this process's listening TCP sockets (IPv4 and IPv6).
fn own_tcp_listen_ports() -> Vec<u16> {
    let inodes = own_socket_inodes();
    let mut ports = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st ... inode (column 9)
            if cols.len() < 10 || cols[3] != "0A" {
                continue;
            }
            let Ok(inode) = cols[9].parse::<u64>() else {
                continue;
            };
            if !inodes.contains(&inode) {
                continue;
            }
            let port = cols[1].rsplit(':').next().unwrap();
            ports.push(u16::from_str_radix(port, 16).unwrap());
        }
    }
    ports.sort_unstable();
    ports
}

/// Paths of this process's listening Unix sockets.
fn own_unix_listen_paths() -> Vec<PathBuf> {
    let inodes = own_socket_inodes();
    let text = std::fs::read_to_string("/proc/net/unix").unwrap();
    let mut paths = Vec::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        // Num RefCount Protocol Flags Type St Inode Path; flag 00010000 = listening.
        if cols.len() < 8 || cols[3] != "00010000" {
            continue;
        }
        if cols[6].parse::<u64>().is_ok_and(|i| inodes.contains(&i)) {
            paths.push(PathBuf::from(cols[7]));
        }
    }
    paths.sort();
    paths
}

fn port_of(endpoint: &str) -> u16 {
    endpoint.rsplit(':').next().unwrap().parse().unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_sockets_listen_on_tcp_only_through_the_guard() {
    if !Path::new("/proc/net/tcp").exists() {
        eprintln!("no /proc/net/tcp; skipping");
        return;
    }
    let before = own_tcp_listen_ports();
    assert!(before.is_empty(), "unexpected listeners: {before:?}");

    let publisher = Publisher::bind("tcp://127.0.0.1:0", Limits::default())
        .await
        .unwrap();
    let (router, rx) = Router::bind("tcp://127.0.0.1:0", Limits::default())
        .await
        .unwrap();
    let mut public = vec![
        port_of(&publisher.local_endpoint()),
        port_of(&router.local_endpoint()),
    ];
    public.sort_unstable();
    assert_eq!(own_tcp_listen_ports(), public);

    let unix = own_unix_listen_paths();
    assert_eq!(unix.len(), 2, "{unix:?}");
    let mut dirs = Vec::new();
    for sock in &unix {
        let dir = sock.parent().unwrap().to_owned();
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        assert_eq!(
            std::fs::symlink_metadata(&dir).unwrap().uid(),
            std::fs::metadata("/proc/self").unwrap().uid()
        );
        dirs.push(dir);
    }
    assert_ne!(dirs[0], dirs[1], "one private directory per socket");

    publisher.close().await;
    router.close().await;
    drop(rx);
    assert!(own_tcp_listen_ports().is_empty());
    for dir in &dirs {
        assert!(!dir.exists(), "{} left behind", dir.display());
    }
}
