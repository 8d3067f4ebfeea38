//! The traversal corpus against the file server (issue 4, done-when 3).
//!
//! A root sits next to a directory `outside/` holding canary files. Every
//! attack of Salt's CVE history (CVE-2020-11652, CVE-2024-22232,
//! CVE-2021-21996 classes) is tried through every entry point a minion has:
//! URL parsing, the wire decoder, and then, for what parses, the server's
//! hash / read / find / list and the client's cache and fetch. Each attack
//! must be refused, and the proof that no byte outside `file_roots` was
//! read is twofold: the canary text appears in no result and no file the
//! client wrote, and an inotify watch on `outside/` sees no open and no read
//! there at all (checked to work by a deliberate read at the end).

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use salt_fileserver::wire::{FileReply, FileRequest, ListKind};
use salt_fileserver::{FileClient, FileServer};
use salt_types::{SafeRelPath, SaltUrl, Saltenv};

const CANARY: &str = "CANARY-7f3c9e1d-outside-the-root";

struct Lab {
    _dir: tempfile::TempDir,
    base: PathBuf,
    root: PathBuf,
    outside: PathBuf,
}

fn lab() -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let root = base.join("srv/salt");
    let outside = base.join("outside");
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::create_dir_all(outside.join("inner")).unwrap();
    fs::write(outside.join("secret"), CANARY).unwrap();
    fs::write(outside.join("inner/secret"), CANARY).unwrap();
    fs::write(base.join("srv/secret"), CANARY).unwrap();
    fs::write(root.join("ok.txt"), "served\n").unwrap();
    fs::write(root.join("sub/inside.txt"), "inside\n").unwrap();
    // Symlinks that leave the root, every way a tree can hold them.
    symlink(outside.join("secret"), root.join("abs_link_out")).unwrap();
    symlink("../../outside/secret", root.join("rel_link_out")).unwrap();
    symlink("../secret", root.join("parent_link_out")).unwrap();
    symlink(&outside, root.join("dir_link_out")).unwrap();
    symlink("../../../outside", root.join("sub/deep_dir_link_out")).unwrap();
    symlink("abs_link_out", root.join("chain_link_out")).unwrap();
    symlink("/", root.join("slash")).unwrap();
    // A symlink inside the root stays usable.
    symlink("sub/inside.txt", root.join("inner_link")).unwrap();
    Lab {
        _dir: dir,
        base,
        root,
        outside,
    }
}

/// URLs a hostile minion (or a hostile SLS) might send.
fn url_corpus(lab: &Lab) -> Vec<String> {
    let abs = lab.outside.join("secret");
    vec![
        "salt://../x".into(),
        "salt://../outside/secret".into(),
        "salt://../../outside/secret".into(),
        "salt://sub/../../secret".into(),
        "salt://../secret".into(),
        format!("salt://{}", abs.display()),
        format!("salt:///{}", abs.display()),
        "salt:///etc/passwd".into(),
        "salt://%2e%2e/secret".into(),
        "salt://%2E%2E/%2E%2E/outside/secret".into(),
        "salt://..%2f..%2foutside%2fsecret".into(),
        "salt://sub%2f..%2f..%2fsecret".into(),
        "salt://ok.txt?saltenv=../../".into(),
        "salt://secret?saltenv=..".into(),
        "salt://outside/secret?saltenv=../..".into(),
        "salt://ok.txt?saltenv=%2e%2e".into(),
        "salt://ok.txt?saltenv=base/../..".into(),
        "salt://ok.txt?saltenv=base&path=../../outside/secret".into(),
        "salt://..\\..\\outside\\secret".into(),
        "salt://sub\0/../../secret".into(),
        "salt://./sub/../../secret".into(),
        "salt://sub//..//..//secret".into(),
    ]
}

/// Paths that parse (they are plain relative names) but lead out of the
/// root through a symlink.
const SYMLINK_CORPUS: &[&str] = &[
    "abs_link_out",
    "rel_link_out",
    "parent_link_out",
    "dir_link_out/secret",
    "dir_link_out/inner/secret",
    "sub/deep_dir_link_out/secret",
    "chain_link_out",
    "slash/etc/passwd",
];

fn server(lab: &Lab) -> Arc<FileServer> {
    Arc::new(FileServer::new(IndexMap::from([(
        Saltenv::base(),
        vec![lab.root.clone()],
    )])))
}

fn watch(lab: &Lab) -> Inotify {
    let ino = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC).unwrap();
    let flags = AddWatchFlags::IN_OPEN | AddWatchFlags::IN_ACCESS;
    ino.add_watch(&lab.outside, flags).unwrap();
    ino.add_watch(&lab.outside.join("inner"), flags).unwrap();
    ino.add_watch(&lab.base.join("srv"), flags).unwrap();
    ino
}

/// Every inotify event seen since the last call (empty when none), except
/// those on the root directory itself (`srv/salt`, watched as an entry of
/// `srv/`), which is inside `file_roots`.
fn events(ino: &Inotify) -> Vec<String> {
    match ino.read_events() {
        Ok(ev) => ev
            .into_iter()
            .filter(|e| e.name.as_deref() != Some(std::ffi::OsStr::new("salt")))
            .map(|e| format!("{:?} {:?}", e.mask, e.name))
            .collect(),
        Err(nix::errno::Errno::EAGAIN) => Vec::new(),
        Err(e) => panic!("inotify: {e}"),
    }
}

fn assert_no_canary(what: &str, text: &str) {
    assert!(
        !text.contains(CANARY),
        "{what}: canary from outside the root leaked: {text}"
    );
}

/// Every file under `dir` (the client's cache and destinations).
fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn urls_with_traversal_are_refused_at_parse_time() {
    let lab = lab();
    for url in url_corpus(&lab) {
        let err = SaltUrl::parse(&url).expect_err(&format!("{url:?} parsed"));
        assert_no_canary(&url, &err.to_string());
    }
}

#[test]
fn wire_requests_with_traversal_fail_to_decode() {
    let lab = lab();
    let abs = lab.outside.join("secret").display().to_string();
    let mut bad = Vec::new();
    for path in [
        "../outside/secret",
        "sub/../../secret",
        abs.as_str(),
        "%2e%2e/secret",
        "a\0b",
    ] {
        bad.push(serde_json::json!({"Hash": {"saltenv": "base", "path": path}}));
        bad.push(
            serde_json::json!({"Read": {"saltenv": "base", "path": path, "offset": 0, "len": 100}}),
        );
        bad.push(serde_json::json!({"List": {"saltenv": "base", "kind": "Files", "prefix": path}}));
    }
    for env in ["../../", "..", "base/../..", "%2e%2e", "/"] {
        bad.push(serde_json::json!({"Hash": {"saltenv": env, "path": "ok.txt"}}));
        bad.push(serde_json::json!({"List": {"saltenv": env, "kind": "Files"}}));
    }
    for v in bad {
        let bytes = rmp_serde::to_vec_named(&v).unwrap();
        assert!(
            rmp_serde::from_slice::<FileRequest>(&bytes).is_err(),
            "decoded {v}"
        );
    }
}

#[tokio::test]
async fn symlinks_out_of_the_root_are_refused_without_reading_outside() {
    let lab = lab();
    let srv = server(&lab);
    let cache = lab.base.join("minion-cache");
    let dest = lab.base.join("dest");
    let client = FileClient::local(Arc::clone(&srv), &cache);
    let base = Saltenv::base();
    let ino = watch(&lab);

    for p in SYMLINK_CORPUS {
        let path = SafeRelPath::parse(p).unwrap();
        let e = srv.hash(&base, &path).expect_err(p).to_string();
        assert!(e.contains("refused"), "{p}: {e}");
        assert!(srv.read(&base, &path, 0, 1 << 20, None).is_err(), "{p}");
        assert!(srv.find(&base, &path).is_err(), "{p}");
        for req in [
            FileRequest::Hash(salt_fileserver::wire::PathRequest {
                saltenv: base.clone(),
                path: path.clone(),
            }),
            FileRequest::Read(salt_fileserver::wire::ReadRequest {
                saltenv: base.clone(),
                path: path.clone(),
                offset: 0,
                len: 1 << 20,
                gzip: None,
            }),
        ] {
            let reply = srv.handle(&req);
            assert!(matches!(reply, FileReply::Error(_)), "{p}: {reply:?}");
            assert_no_canary(p, &format!("{reply:?}"));
        }
        let e = client.cache_file(&base, &path, None).await.expect_err(p);
        assert_no_canary(p, &e.to_string());
        let e = client
            .fetch(&base, &path, &dest.join(p.replace('/', "_")), true, None)
            .await
            .expect_err(p);
        assert_no_canary(p, &e.to_string());
        assert!(client.read_all(&base, &path, 1 << 20).await.is_err(), "{p}");
    }

    // Listings name neither the outward links nor anything behind them.
    for kind in [ListKind::Files, ListKind::Dirs, ListKind::EmptyDirs] {
        let names = srv.list(&base, kind, None).unwrap();
        let text = format!("{names:?}");
        assert_no_canary("listing", &text);
        for p in SYMLINK_CORPUS {
            assert!(
                !names.iter().any(|n| n.as_str() == *p),
                "{kind:?} lists {p}"
            );
        }
        assert!(
            !text.contains("link_out") && !text.contains("slash"),
            "{kind:?}: {text}"
        );
    }
    let files: Vec<String> = srv
        .list(&base, ListKind::Files, None)
        .unwrap()
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(files, ["inner_link", "ok.txt", "sub/inside.txt"]);

    // Nothing the client wrote holds the canary.
    let mut written = Vec::new();
    all_files(&cache, &mut written);
    all_files(&dest, &mut written);
    for f in &written {
        assert_no_canary(
            &f.display().to_string(),
            &fs::read_to_string(f).unwrap_or_default(),
        );
    }

    // Not a single open or read happened outside the root.
    let seen = events(&ino);
    assert!(
        seen.is_empty(),
        "file system events outside the root: {seen:?}"
    );

    // Positive controls: the inside link is served, and the watch does see
    // a read when one happens.
    let ok = SafeRelPath::parse("inner_link").unwrap();
    let c = srv.read(&base, &ok, 0, 100, None).unwrap().unwrap();
    assert_eq!(&c.data[..], b"inside\n");
    assert_eq!(
        fs::read_to_string(lab.outside.join("secret")).unwrap(),
        CANARY
    );
    assert!(!events(&ino).is_empty(), "the inotify watch works");
}
