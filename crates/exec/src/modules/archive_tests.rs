//! Tests of `archive.*` on archives built here, one per compression.

use std::io::Write;

use super::*;
use crate::modules::{run_in, test_ctx};

/// A tar with `top/`, `top/a.txt`, `top/sub/b.txt` and `top/link -> a.txt`.
fn tar_bytes() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let header = || {
        let mut h = tar::Header::new_gnu();
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(1_700_000_000);
        h
    };
    let mut dir = header();
    dir.set_entry_type(tar::EntryType::Directory);
    dir.set_mode(0o755);
    dir.set_size(0);
    b.append_data(&mut dir.clone(), "top/", std::io::empty())
        .unwrap();
    b.append_data(&mut dir, "top/sub/", std::io::empty())
        .unwrap();
    for (p, body) in [("top/a.txt", "alpha\n"), ("top/sub/b.txt", "beta\n")] {
        let mut h = header();
        h.set_mode(0o640);
        h.set_size(body.len() as u64);
        b.append_data(&mut h, p, body.as_bytes()).unwrap();
    }
    let mut l = header();
    l.set_entry_type(tar::EntryType::Symlink);
    l.set_size(0);
    b.append_link(&mut l, "top/link", "a.txt").unwrap();
    b.into_inner().unwrap()
}

fn compressed(kind: &str) -> Vec<u8> {
    let raw = tar_bytes();
    match kind {
        "tar" => raw,
        "tar.gz" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&raw).unwrap();
            e.finish().unwrap()
        }
        "tar.bz2" => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            e.write_all(&raw).unwrap();
            e.finish().unwrap()
        }
        "tar.xz" => {
            let mut e =
                lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1))
                    .unwrap();
            e.write_all(&raw).unwrap();
            e.finish().unwrap()
        }
        other => panic!("{other}"),
    }
}

fn zip_bytes() -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().unix_permissions(0o600);
    z.add_directory("pkg/", opts.unix_permissions(0o750))
        .unwrap();
    z.start_file("pkg/a.txt", opts).unwrap();
    z.write_all(b"alpha\n").unwrap();
    z.start_file("pkg/deep/b.txt", opts).unwrap();
    z.write_all(b"beta\n").unwrap();
    z.add_symlink("pkg/link", "a.txt", opts).unwrap();
    z.finish().unwrap().into_inner()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

#[tokio::test]
async fn lists_every_tar_compression_alike() {
    let d = tempfile::tempdir().unwrap();
    let cx = test_ctx();
    for kind in ["tar", "tar.gz", "tar.bz2", "tar.xz"] {
        let p = write(d.path(), &format!("a.{kind}"), &compressed(kind));
        let r = run_in(&cx, "archive.list", json!([p]), json!({"verbose": true})).await;
        assert_eq!(
            r.ret,
            json!({
                "dirs": ["top/", "top/sub/"],
                "files": ["top/a.txt", "top/sub/b.txt"],
                "links": ["top/link"],
                "top_level_dirs": ["top/"],
                "top_level_files": [],
                "top_level_links": [],
            }),
            "{kind}"
        );
        let r = run_in(&cx, "archive.list", json!([p]), json!({})).await;
        assert_eq!(
            r.ret,
            json!(["top/", "top/a.txt", "top/link", "top/sub/", "top/sub/b.txt"])
        );
    }
    let p = write(d.path(), "b.tgz", &compressed("tar.gz"));
    let r = run_in(
        &cx,
        "archive.list",
        json!([p]),
        json!({"strip_components": 1}),
    )
    .await;
    assert_eq!(r.ret, json!(["a.txt", "link", "sub/", "sub/b.txt"]));
}

#[tokio::test]
async fn bad_archives_give_salts_messages() {
    let d = tempfile::tempdir().unwrap();
    let cx = test_ctx();
    let p = write(d.path(), "bad.tar.gz", b"not an archive at all");
    let r = run_in(&cx, "archive.list", json!([p.clone()]), json!({})).await;
    assert!(
        r.ret
            .as_str()
            .unwrap()
            .starts_with(&format!("ERROR: Unable to list contents of {p}.")),
        "{}",
        r.ret
    );
    let r = run_in(
        &cx,
        "archive.list",
        json!([p.clone()]),
        json!({"archive_format": "zip"}),
    )
    .await;
    assert_eq!(
        r.ret,
        json!(format!(
            "ERROR: {p} is not a ZIP file. Additional info follows:\n\narchive location:\n    {p}"
        ))
    );
    let r = run_in(&cx, "archive.list", json!(["/x/archive.7z"]), json!({})).await;
    assert_eq!(
        r.ret,
        json!(
            "ERROR: Unable to guess archive format, please pass an 'archive_format' argument. Additional info follows:\n\narchive location:\n    /x/archive.7z"
        )
    );
    let r = run_in(&cx, "archive.list", json!(["salt://x.tar"]), json!({})).await;
    assert_eq!(r.ret, json!("ERROR: Failed to cache salt://x.tar"));
    let r = run_in(
        &cx,
        "archive.list",
        json!([p]),
        json!({"strip_components": 0}),
    )
    .await;
    assert!(
        r.ret.as_str().unwrap().starts_with(
            "ERROR: 'strip_components' must be a positive integer. Additional info follows:"
        ),
        "{}",
        r.ret
    );
}

#[tokio::test]
async fn untar_extracts_and_names_members_in_order() {
    let d = tempfile::tempdir().unwrap();
    let cx = test_ctx();
    let p = write(d.path(), "a.tar.xz", &compressed("tar.xz"));
    let dest = d.path().join("out");
    std::fs::create_dir(&dest).unwrap();
    let r = run_in(
        &cx,
        "archive.untar",
        json!([p, dest.to_string_lossy()]),
        json!({}),
    )
    .await;
    assert_eq!(
        r.ret,
        json!(["top", "top/sub", "top/a.txt", "top/sub/b.txt", "top/link"])
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("top/sub/b.txt")).unwrap(),
        "beta\n"
    );
    assert_eq!(
        std::fs::read_link(dest.join("top/link")).unwrap(),
        PathBuf::from("a.txt")
    );
    let mode = std::fs::metadata(dest.join("top/a.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
}

#[tokio::test]
async fn untar_refuses_members_outside_the_destination() {
    let d = tempfile::tempdir().unwrap();
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(2);
    h.set_mode(0o644);
    // append_data refuses "..", so write the name into the header directly.
    h.as_gnu_mut().unwrap().name[..9].copy_from_slice(b"../evil\0\0");
    h.set_cksum();
    b.append(&h, &b"hi"[..]).unwrap();
    let p = write(d.path(), "evil.tar", &b.into_inner().unwrap());
    let dest = d.path().join("out");
    std::fs::create_dir(&dest).unwrap();
    let r = run_in(
        &test_ctx(),
        "archive.untar",
        json!([p, dest.to_string_lossy()]),
        json!({}),
    )
    .await;
    assert!(
        r.ret
            .as_str()
            .unwrap()
            .contains("member '../evil' would be written outside"),
        "{}",
        r.ret
    );
    assert!(!d.path().join("evil").exists());
}

#[tokio::test]
async fn zip_list_unzip_and_encryption() {
    let d = tempfile::tempdir().unwrap();
    let cx = test_ctx();
    let p = write(d.path(), "a.zip", &zip_bytes());
    let r = run_in(
        &cx,
        "archive.list",
        json!([p.clone()]),
        json!({"verbose": true}),
    )
    .await;
    assert_eq!(
        r.ret,
        json!({
            "dirs": ["pkg/", "pkg/deep/"],
            "files": ["pkg/a.txt", "pkg/deep/b.txt"],
            "links": ["pkg/link"],
            "top_level_dirs": ["pkg/"],
            "top_level_files": [],
            "top_level_links": [],
        })
    );
    let r = run_in(&cx, "archive.is_encrypted", json!([p.clone()]), json!({})).await;
    assert_eq!(r.ret, json!(false));
    let dest = d.path().join("out");
    std::fs::create_dir(&dest).unwrap();
    let dest_s = dest.to_string_lossy().into_owned();
    let r = run_in(
        &cx,
        "archive.unzip",
        json!([p.clone(), dest_s.clone()]),
        json!({}),
    )
    .await;
    assert_eq!(
        r.ret,
        json!(["pkg/", "pkg/a.txt", "pkg/deep/b.txt", "pkg/link"])
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("pkg/deep/b.txt")).unwrap(),
        "beta\n"
    );
    assert_eq!(
        std::fs::read_link(dest.join("pkg/link")).unwrap(),
        PathBuf::from("a.txt")
    );
    let mode = |p: &str| {
        std::fs::metadata(dest.join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!((mode("pkg"), mode("pkg/a.txt")), (0o750, 0o600));
    // Again over the first copy, trimmed, with an exclude.
    let r = run_in(
        &cx,
        "archive.unzip",
        json!([p.clone(), dest_s]),
        json!({"trim_output": 1, "excludes": "pkg/a.txt"}),
    )
    .await;
    assert_eq!(r.ret, json!(["pkg/", "List trimmed after 1 files."]));
    let tar = write(d.path(), "t.tar", &tar_bytes());
    let r = run_in(&cx, "archive.is_encrypted", json!([tar.clone()]), json!({})).await;
    assert!(
        r.ret
            .as_str()
            .unwrap()
            .starts_with(&format!("ERROR: {tar} is not a ZIP file. Additional")),
        "{}",
        r.ret
    );
}

#[test]
fn formats_prefixes_and_trimming() {
    assert_eq!(guess_format("salt://x/Foo.TGZ"), Some("tar"));
    assert_eq!(guess_format("/a/b.zip"), Some("zip"));
    assert_eq!(guess_format("/a/b.gz"), None);
    assert_eq!(
        common_prefix(&["ab/".into(), "ab/c/".into(), "abd/".into()]),
        "ab"
    );
    let v: Vec<String> = (0..3).map(|i| i.to_string()).collect();
    assert_eq!(trim_files(v.clone(), &json!(false)), v);
    assert_eq!(trim_files(v.clone(), &json!(true)), v);
    assert_eq!(
        trim_files(v, &json!(2)),
        ["0", "1", "List trimmed after 2 files."]
    );
    assert!(escapes(Path::new("a/../../b")));
    assert!(!escapes(Path::new("a/../b")));
}
