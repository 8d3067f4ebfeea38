//! Runs the built `salt-rs-key` against a throwaway `root_dir` and compares
//! its output byte for byte with what Salt 3007.8's `salt-key` printed for
//! the same key files (captured with `shared/tools/salt-lab`, and the
//! `salt-key-*.txt` files of `shared/salt-reference`).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const BIN: &str = env!("CARGO_BIN_EXE_salt-rs-key");

/// A public key file in salt-rs's format: 64 bytes of `n`, wrapped at 64.
fn key(n: u8, kind: &str) -> String {
    let body = match n {
        1 => {
            "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\nAQEBAQEBAQEBAQEBAQEBAQ=="
        }
        2 => {
            "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIC\nAgICAgICAgICAgICAgICAg=="
        }
        3 => {
            "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMD\nAwMDAwMDAwMDAwMDAwMDAw=="
        }
        9 => {
            "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJ\nCQkJCQkJCQkJCQkJCQkJCQ=="
        }
        _ => {
            "CgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoK\nCgoKCgoKCgoKCgoKCgoKCg=="
        }
    };
    format!("-----BEGIN SALT-RS {kind} KEY-----\n{body}\n-----END SALT-RS {kind} KEY-----\n")
}

/// Fingerprints Salt's `pem_finger` gives for `key(n, ..)`.
const FP1: &str = "b8:22:67:bc:89:a4:9e:1b:a7:58:c1:63:44:b5:ac:2e:69:58:e5:6b:93:86:ca:c1:3a:fd:7c:5c:a5:64:76:5c";
const FP2: &str = "26:e0:35:8b:16:29:09:37:f8:f0:e6:05:51:95:8d:1a:3a:98:1b:0d:71:04:1b:50:be:79:a6:e4:32:ae:37:c6";
const FP3: &str = "bb:f2:d9:97:53:49:45:7a:69:1b:4f:15:10:50:5e:de:26:bd:fc:e6:3a:82:7c:7d:58:e7:de:d1:07:7c:7e:69";
const FP9: &str = "07:dd:5e:87:02:da:d3:99:ac:a2:c0:13:6e:d4:fa:78:33:53:5c:a0:83:fb:4c:f5:65:d8:3b:4b:54:ad:57:ea";
const FP10: &str = "6a:55:9f:f0:c9:0b:78:22:93:3d:7f:ca:fa:f1:9d:c7:b9:11:17:3f:c0:99:e6:a3:9a:e0:00:9c:4a:65:f0:5c";

/// A config dir and root_dir under the system temp dir, removed on drop.
struct Lab {
    base: PathBuf,
}

impl Lab {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::temp_dir().join(format!(
            "salt-rs-key-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(base.join("conf")).unwrap();
        fs::write(
            base.join("conf/master"),
            format!("root_dir: {}\n", base.join("root").display()),
        )
        .unwrap();
        Self { base }
    }

    fn pki(&self) -> PathBuf {
        self.base.join("root/etc/salt-rs/pki/master")
    }

    fn put(&self, rel: &str, text: &str) {
        let p = self.pki().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn has(&self, rel: &str) -> bool {
        self.pki().join(rel).is_file()
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.pki().join(rel)).unwrap()
    }

    /// The layout used for the captures from real Salt: accepted minion1
    /// and Minion2, pending minion3 and alpha, rejected beta, and a denied
    /// second key for minion1; master.pem/master.pub beside them.
    fn mixed() -> Self {
        let lab = Self::new();
        lab.put("master.pem", &key(9, "PRIVATE"));
        lab.put("master.pub", &key(10, "PUBLIC"));
        lab.put("minions/minion1", &key(1, "PUBLIC"));
        lab.put("minions/Minion2", &key(2, "PUBLIC"));
        lab.put("minions_pre/minion3", &key(3, "PUBLIC"));
        lab.put("minions_pre/alpha", &key(10, "PUBLIC"));
        lab.put("minions_rejected/beta", &key(2, "PUBLIC"));
        lab.put("minions_denied/minion1", &key(10, "PUBLIC"));
        lab
    }

    /// Runs `salt-rs-key -c <conf> ARGS` with `stdin` (None: closed, so a
    /// prompt reads EOF). Returns (stdout, stderr, exit code).
    fn run(&self, args: &[&str], stdin: Option<&str>) -> (String, String, i32) {
        let mut child = Command::new(BIN)
            .arg("-c")
            .arg(self.base.join("conf"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            let mut input = child.stdin.take().unwrap();
            if let Some(text) = stdin {
                input.write_all(text.as_bytes()).unwrap();
            }
        }
        let out = child.wait_with_output().unwrap();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
            out.status.code().unwrap_or(-1),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (out, err, code) = self.run(args, None);
        assert_eq!((err.as_str(), code), ("", 0), "salt-rs-key {args:?}");
        out
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.base);
    }
}

/// The reference capture of `name`, without its `[exit code: N]` line, when
/// `shared/` is beside the checkout.
fn reference(name: &str) -> Option<(String, i32)> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/salt-reference/outputs")
        .join(name);
    let text = fs::read_to_string(p).ok()?;
    let (body, tail) = text.rsplit_once("[exit code: ")?;
    let code = tail.trim_end().trim_end_matches(']').parse().ok()?;
    Some((body.to_owned(), code))
}

fn three_accepted() -> Lab {
    let lab = Lab::new();
    for (i, m) in ["minion1", "minion2", "minion3"].iter().enumerate() {
        lab.put(&format!("minions/{m}"), &key(i as u8 + 1, "PUBLIC"));
    }
    lab
}

#[test]
fn list_all_matches_salts_capture() {
    let lab = three_accepted();
    let expected = "Accepted Keys:\nminion1\nminion2\nminion3\nDenied Keys:\nUnaccepted Keys:\nRejected Keys:\n";
    assert_eq!(lab.ok(&["-L"]), expected);
    assert_eq!(lab.ok(&[]), expected, "listing all is the default");
    if let Some((text, code)) = reference("salt-key-L.txt") {
        assert_eq!((lab.ok(&["-L"]), 0), (text, code));
    }
}

#[test]
fn list_all_json_matches_salts_capture() {
    let lab = three_accepted();
    let expected = "{\n    \"minions\": [\n        \"minion1\",\n        \"minion2\",\n        \"minion3\"\n    ],\n    \"minions_pre\": [],\n    \"minions_rejected\": [],\n    \"minions_denied\": []\n}\n";
    assert_eq!(lab.ok(&["-L", "--out", "json"]), expected);
    if let Some((text, code)) = reference("salt-key-L.json.txt") {
        assert_eq!((lab.ok(&["-L", "--out", "json"]), 0), (text, code));
    }
}

#[test]
fn finger_all_layout_matches_salts() {
    let lab = Lab::mixed();
    let expected = format!(
        "Local Keys:\nmaster.pem:  {FP9}\nmaster.pub:  {FP10}\n\
         Accepted Keys:\nMinion2:  {FP2}\nminion1:  {FP1}\n\
         Denied Keys:\nminion1:  {FP10}\n\
         Unaccepted Keys:\nalpha:  {FP10}\nminion3:  {FP3}\n\
         Rejected Keys:\nbeta:  {FP2}\n"
    );
    assert_eq!(lab.ok(&["-F"]), expected);
    // Only sections with a match; local keys match globs too.
    assert_eq!(
        lab.ok(&["-f", "master.pub,beta"]),
        format!("Local Keys:\nmaster.pub:  {FP10}\nRejected Keys:\nbeta:  {FP2}\n")
    );
    assert_eq!(lab.ok(&["-f", "nomatch"]), "");
    assert_eq!(lab.ok(&["-f", "nomatch", "--out", "json"]), "{}\n");
    let json = lab.ok(&["-F", "--out", "json"]);
    assert!(
        json.starts_with(&format!(
            "{{\n    \"minions\": {{\n        \"minion1\": \"{FP1}\",\n"
        )),
        "{json}"
    );
    assert!(json.ends_with(&format!("    \"local\": {{\n        \"master.pem\": \"{FP9}\",\n        \"master.pub\": \"{FP10}\"\n    }}\n}}\n")), "{json}");
}

#[test]
fn finger_all_of_reference_shape_has_only_nonempty_sections() {
    let lab = three_accepted();
    lab.put("master.pem", &key(9, "PRIVATE"));
    lab.put("master.pub", &key(10, "PUBLIC"));
    let out = lab.ok(&["-F"]);
    let titles: Vec<&str> = out.lines().filter(|l| l.ends_with("Keys:")).collect();
    assert_eq!(titles, ["Local Keys:", "Accepted Keys:"]);
    if let Some((text, _)) = reference("salt-key-F.txt") {
        let shape = |s: &str| {
            s.lines()
                .map(|l| l.split(':').next().unwrap_or("").to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(&out), shape(&text));
    }
}

#[test]
fn mixed_listing_orders_sections_like_salt() {
    let lab = Lab::mixed();
    assert_eq!(
        lab.ok(&["-L"]),
        "Accepted Keys:\nMinion2\nminion1\nDenied Keys:\nminion1\nUnaccepted Keys:\nalpha\nminion3\nRejected Keys:\nbeta\n"
    );
    assert_eq!(
        lab.ok(&["-L", "--out", "json"]),
        "{\n    \"minions\": [\n        \"minion1\",\n        \"Minion2\"\n    ],\n    \"minions_pre\": [\n        \"alpha\",\n        \"minion3\"\n    ],\n    \"minions_rejected\": [\n        \"beta\"\n    ],\n    \"minions_denied\": [\n        \"minion1\"\n    ]\n}\n"
    );
    assert_eq!(lab.ok(&["-l", "acc"]), "Accepted Keys:\nMinion2\nminion1\n");
    assert_eq!(lab.ok(&["-l", "un"]), "Unaccepted Keys:\nalpha\nminion3\n");
    assert_eq!(
        lab.ok(&["-l", "unaccepted"]),
        "Unaccepted Keys:\nalpha\nminion3\n"
    );
    assert_eq!(lab.ok(&["-l", "rejected"]), "Rejected Keys:\nbeta\n");
    assert_eq!(lab.ok(&["-l", "den"]), "Denied Keys:\nminion1\n");
    assert_eq!(
        lab.ok(&["-l", "acc", "--force-color"]),
        "\x1b[0;1;32mAccepted Keys:\x1b[0;0m\n\x1b[0;32mMinion2\x1b[0;0m\n\x1b[0;32mminion1\x1b[0;0m\n"
    );
    assert_eq!(
        lab.ok(&["-l", "acc", "--no-color"]),
        "Accepted Keys:\nMinion2\nminion1\n"
    );
}

#[test]
fn print_shows_key_text() {
    let lab = Lab::mixed();
    assert_eq!(
        lab.ok(&["-p", "minion1"]),
        format!(
            "Accepted Keys:\nminion1:  {}\nDenied Keys:\nminion1:  {}",
            key(1, "PUBLIC"),
            key(10, "PUBLIC")
        )
    );
    assert_eq!(lab.ok(&["-p", "nomatch"]), "");
}

#[test]
fn accept_with_yes() {
    let lab = Lab::mixed();
    assert_eq!(
        lab.ok(&["-a", "minion*", "-y"]),
        "The following keys are going to be accepted:\nUnaccepted Keys:\nminion3\nKey for minion minion3 accepted.\n"
    );
    assert!(lab.has("minions/minion3") && !lab.has("minions_pre/minion3"));
    assert!(
        lab.has("minions_denied/minion1"),
        "denied keys need --include-denied"
    );
}

#[test]
fn accept_all_including_rejected() {
    let lab = Lab::mixed();
    assert_eq!(
        lab.ok(&["-A", "-y", "--include-rejected"]),
        "The following keys are going to be accepted:\nUnaccepted Keys:\nalpha\nminion3\nRejected Keys:\nbeta\n\
         Key for minion alpha accepted.\nKey for minion minion3 accepted.\nKey for minion beta accepted.\n"
    );
    assert_eq!(
        lab.ok(&["-l", "acc"]),
        "Accepted Keys:\nMinion2\nalpha\nbeta\nminion1\nminion3\n"
    );
}

#[test]
fn accept_including_denied_replaces_the_accepted_key() {
    let lab = Lab::mixed();
    assert_eq!(
        lab.ok(&["-A", "-y", "--include-denied"]),
        "The following keys are going to be accepted:\nDenied Keys:\nminion1\nUnaccepted Keys:\nalpha\nminion3\n\
         Key for minion alpha accepted.\nKey for minion minion3 accepted.\nKey for minion minion1 accepted.\n"
    );
    assert_eq!(lab.read("minions/minion1"), key(10, "PUBLIC"));
    assert!(!lab.has("minions_denied/minion1"));
}

#[test]
fn accept_refuses_malformed_keys() {
    let lab = Lab::mixed();
    lab.put("minions_pre/junk", "garbage\n");
    let (out, err, code) = lab.run(&["-a", "junk", "-y"], None);
    assert_eq!(
        out,
        "The following keys are going to be accepted:\nUnaccepted Keys:\njunk\n"
    );
    assert_eq!(err, "Unable to accept invalid key for junk.\n");
    assert_eq!(code, 0);
    assert!(lab.has("minions_pre/junk"));
}

#[test]
fn reject_reports_like_salts_dict_match() {
    let lab = Lab::mixed();
    // minion1 ends up in minions_rejected while its denied key stays: Salt
    // reports it once per directory.
    assert_eq!(
        lab.ok(&["-r", "minion*", "-y", "--include-accepted"]),
        "The following keys are going to be rejected:\nAccepted Keys:\nminion1\nUnaccepted Keys:\nminion3\n\
         Key for minion minion3 rejected.\nKey for minion minion1 rejected.\nKey for minion minion1 rejected.\n"
    );
    assert_eq!(
        lab.ok(&["-l", "rej"]),
        "Rejected Keys:\nbeta\nminion1\nminion3\n"
    );
    assert_eq!(lab.read("minions_rejected/minion1"), key(1, "PUBLIC"));

    let lab = Lab::mixed();
    assert_eq!(
        lab.ok(&["-R", "-y"]),
        "The following keys are going to be rejected:\nUnaccepted Keys:\nalpha\nminion3\n\
         Key for minion alpha rejected.\nKey for minion minion3 rejected.\n"
    );
}

#[test]
fn delete_by_globs_and_all() {
    let lab = Lab::mixed();
    assert_eq!(
        lab.ok(&["-d", "minion1,beta", "-y"]),
        "The following keys are going to be deleted:\nAccepted Keys:\nminion1\nDenied Keys:\nminion1\nRejected Keys:\nbeta\n\
         Key for minion minion1 deleted.\nKey for minion beta deleted.\nKey for minion minion1 deleted.\n"
    );
    assert_eq!(
        lab.ok(&["-L"]),
        "Accepted Keys:\nMinion2\nDenied Keys:\nUnaccepted Keys:\nalpha\nminion3\nRejected Keys:\n"
    );

    let lab = Lab::mixed();
    assert_eq!(
        lab.ok(&["-D", "-y"]),
        "The following keys are going to be deleted:\nAccepted Keys:\nMinion2\nminion1\nDenied Keys:\nminion1\n\
         Unaccepted Keys:\nalpha\nminion3\nRejected Keys:\nbeta\n\
         Key for minion minion1 deleted.\nKey for minion Minion2 deleted.\nKey for minion alpha deleted.\n\
         Key for minion minion3 deleted.\nKey for minion beta deleted.\nKey for minion minion1 deleted.\n"
    );
    assert_eq!(
        lab.ok(&["-L"]),
        "Accepted Keys:\nDenied Keys:\nUnaccepted Keys:\nRejected Keys:\n"
    );
    assert!(lab.has("master.pem"), "-D leaves the master's own keys");
}

#[test]
fn prompts_read_stdin_like_salt() {
    let lab = Lab::mixed();
    let shown =
        "The following keys are going to be accepted:\nUnaccepted Keys:\nminion3\nProceed? [n/Y] ";
    // No answer at all (stdin closed): Salt's input() fails with EOF.
    assert_eq!(
        lab.run(&["-a", "minion3"], None),
        (
            shown.to_owned(),
            "Error: EOF when reading a line\n".to_owned(),
            0
        )
    );
    assert_eq!(
        lab.run(&["-a", "minion3"], Some("n\n")),
        (shown.to_owned(), String::new(), 0)
    );
    assert!(lab.has("minions_pre/minion3"));
    // An empty answer takes the default: yes for accept...
    assert_eq!(
        lab.run(&["-a", "minion3"], Some("\n")),
        (
            format!("{shown}Key for minion minion3 accepted.\n"),
            String::new(),
            0
        )
    );
    // ...no for delete.
    let del =
        "The following keys are going to be deleted:\nAccepted Keys:\nminion3\nProceed? [N/y] ";
    assert_eq!(
        lab.run(&["-d", "minion3"], Some("\n")),
        (del.to_owned(), String::new(), 0)
    );
    assert!(lab.has("minions/minion3"));
    assert_eq!(
        lab.run(&["-d", "minion3"], Some("Yes\n")),
        (
            format!("{del}Key for minion minion3 deleted.\n"),
            String::new(),
            0
        )
    );
    assert!(!lab.has("minions/minion3"));
}

#[test]
fn no_match_messages() {
    let lab = Lab::mixed();
    let cases: [(&[&str], &str); 6] = [
        (&["-a", "nomatch"], "unaccepted"),
        (
            &["-a", "nomatch", "--include-all"],
            "unaccepted or rejected",
        ),
        (
            &["-a", "nomatch", "--include-denied", "--include-rejected"],
            "unaccepted, rejected or denied",
        ),
        (
            &["-r", "nomatch", "--include-accepted", "--include-denied"],
            "unaccepted, accepted or denied",
        ),
        (&["-d", "nomatch"], "unaccepted"),
        // Only pending keys are candidates for accept.
        (&["-a", "Minion2"], "unaccepted"),
    ];
    for (args, stat) in cases {
        let glob = args[1];
        assert_eq!(
            lab.run(args, None),
            (
                format!("The key glob '{glob}' does not match any {stat} keys.\n"),
                String::new(),
                0
            ),
            "{args:?}"
        );
    }
}

#[test]
fn usage_errors_and_salts_error_exits() {
    let lab = Lab::mixed();
    assert_eq!(
        lab.run(&["-l", "foo"], None),
        (
            String::new(),
            "Usage: salt-rs-key [options]\n\nsalt-rs-key: error: 'foo' is not a valid argument to '--list'\n".to_owned(),
            64
        )
    );
    let (out, err, code) = lab.run(&["--no-such-flag"], None);
    assert_eq!((out.as_str(), code), ("", 64));
    assert!(
        err.starts_with("Usage: salt-rs-key [options]\n\nsalt-rs-key: error: "),
        "{err}"
    );
    assert_eq!(
        lab.run(&["-D", "extra"], None),
        (
            String::new(),
            "Error: Delete all takes no arguments. Use -d to delete specified keys\n".to_owned(),
            0
        )
    );
    assert!(lab.has("minions/minion1"));
}

#[test]
fn bad_config_is_reported_not_panicked_on() {
    let lab = Lab::new();
    fs::write(lab.base.join("conf/master"), "root_dir: [unclosed\n").unwrap();
    let (out, err, code) = lab.run(&["-L"], None);
    assert_eq!((out.as_str(), code), ("", 0));
    assert!(err.starts_with("Error: "), "{err}");
}
