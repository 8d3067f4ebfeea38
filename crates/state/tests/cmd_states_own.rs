//! Where salt-rs deliberately differs from Salt in `cmd.*`,
//! `archive.extracted` and `module.run` (docs/differences.md), or where
//! Salt cannot be asked (no network here): our own expectations, on the
//! same real host as the golden cases.

mod host;

use serde_json::{Value, json};

use host::RealHost;
use salt_state::{HighData, RunOptions, run_high};

/// Runs one state `id: {module: [fun, {arg: value}...]}` and returns its
/// result.
fn run_one(host: &RealHost, module: &str, fun: &str, args: Value, test: bool) -> Value {
    let mut decl = vec![json!(fun)];
    for (k, v) in args.as_object().cloned().unwrap_or_default() {
        decl.push(json!({ k: v }));
    }
    let high = json!({"one": {module: decl, "__sls__": "main", "__env__": "base"}});
    let high = HighData::from_value(high).unwrap();
    let opts = RunOptions {
        test,
        ..RunOptions::default()
    };
    let running = run_high(high, &opts, host).unwrap();
    let (_, ret) = running.into_iter().next().unwrap();
    Value::Object(ret)
}

fn comment(v: &Value) -> &str {
    v["comment"].as_str().unwrap_or_default()
}

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/cmd_cases/archive_tar/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn archive_refuses_what_it_does_not_support_naming_the_argument() {
    let d = tempfile::tempdir().unwrap();
    let host = RealHost::new(d.path(), d.path());
    let dest = d.path().join("out").to_string_lossy().into_owned();
    for (arg, value) in [
        ("password", json!("secret")),
        ("use_cmd_unzip", json!(true)),
        ("source_hash_update", json!(true)),
        ("list_options", json!("--xz")),
        ("signature", json!("salt://x.sig")),
    ] {
        let r = run_one(
            &host,
            "archive",
            "extracted",
            json!({"name": dest, "source": fixture("app.tar.gz"), arg: value}),
            false,
        );
        assert_eq!(r["result"], json!(false), "{arg}");
        assert_eq!(
            comment(&r),
            format!(
                "An exception occurred in this state: SaltInvocationError: archive.extracted: the '{arg}' argument is not supported by salt-rs"
            )
        );
    }
    let r = run_one(
        &host,
        "archive",
        "extracted",
        json!({"name": dest, "source": "https://example.com/app.tar.gz"}),
        false,
    );
    assert_eq!(
        comment(&r),
        "Unable to fetch https://example.com/app.tar.gz: salt-rs extracts archives from salt://, file:// and local paths only"
    );
    let zip = format!(
        "{}/tests/cmd_cases/archive_zip/app.zip",
        env!("CARGO_MANIFEST_DIR")
    );
    let r = run_one(
        &host,
        "archive",
        "extracted",
        json!({"name": dest, "source": zip, "options": "-o"}),
        false,
    );
    assert!(comment(&r).contains("'options' argument is not supported by salt-rs for zip"));
    assert!(!std::path::Path::new(&dest).exists(), "nothing extracted");
}

#[test]
fn archive_members_outside_the_destination_fail_the_state() {
    let d = tempfile::tempdir().unwrap();
    // A tar whose second member climbs out of the destination.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_mode(0o755);
    h.set_size(0);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    b.append_data(&mut h.clone(), "top/", std::io::empty())
        .unwrap();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(3);
    h.as_gnu_mut().unwrap().name[..14].copy_from_slice(b"top/../../evil");
    h.set_cksum();
    b.append(&h, &b"bad"[..]).unwrap();
    let src = d.path().join("evil.tar");
    std::fs::write(&src, b.into_inner().unwrap()).unwrap();
    let dest = d.path().join("a/b");
    let host = RealHost::new(d.path(), d.path());
    let r = run_one(
        &host,
        "archive",
        "extracted",
        json!({"name": dest.to_string_lossy(), "source": src.to_string_lossy(), "enforce_toplevel": false}),
        false,
    );
    assert_eq!(r["result"], json!(false), "{r}");
    assert!(
        comment(&r).contains("member 'top/../../evil' would be written outside"),
        "{r}"
    );
    assert!(!d.path().join("a/evil").exists() && !d.path().join("evil").exists());
}

#[test]
fn cmd_script_passes_args_as_the_shell_splits_them() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("args.sh"),
        "#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done\n",
    )
    .unwrap();
    let host = RealHost::new(d.path(), d.path());
    let r = run_one(
        &host,
        "cmd",
        "script",
        json!({"name": "salt://args.sh", "args": "one 'two words' \"$HOME-less\""}),
        false,
    );
    assert_eq!(r["result"], json!(true), "{r}");
    let home = std::env::var("HOME").unwrap_or_default();
    assert_eq!(
        r["changes"]["stdout"],
        json!(format!("[one]\n[two words]\n[{home}-less]"))
    );
    // Words after the script in the name are its arguments.
    let r = run_one(
        &host,
        "cmd",
        "script",
        json!({"name": "salt://args.sh a b", "source": "salt://args.sh"}),
        false,
    );
    assert_eq!(r["changes"]["stdout"], json!("[a]\n[b]"), "{r}");
}

#[test]
fn cmd_refuses_root_and_use_vt() {
    let d = tempfile::tempdir().unwrap();
    let host = RealHost::new(d.path(), d.path());
    for (arg, fun) in [
        ("root", "run"),
        ("use_vt", "run"),
        ("use_vt", "script"),
        ("password", "script"),
    ] {
        let value = if arg == "use_vt" {
            json!(true)
        } else {
            json!("/srv/chroot")
        };
        let r = run_one(
            &host,
            "cmd",
            fun,
            json!({"name": "true", arg: value}),
            false,
        );
        assert_eq!(
            comment(&r),
            format!(
                "An exception occurred in this state: SaltInvocationError: cmd.{fun}: the '{arg}' argument is not supported by salt-rs"
            )
        );
    }
    // A typo in a cmd.run option is refused by cmd.run_all, not swallowed.
    let r = run_one(
        &host,
        "cmd",
        "run",
        json!({"name": "true", "timout": 5}),
        false,
    );
    assert_eq!(r["result"], json!(false));
    assert_eq!(
        comment(&r),
        "The following keyword arguments are not valid: timout=5"
    );
}

#[test]
fn module_run_binds_positional_values_past_the_required_ones() {
    // Salt 3007 passes defaults as keywords too, so this fails there with
    // "get() got multiple values for argument 'default'".
    let d = tempfile::tempdir().unwrap();
    let host = RealHost::new(d.path(), d.path());
    let r = run_one(
        &host,
        "module",
        "run",
        json!({"grains.get": ["no_such_grain", "fallback"]}),
        false,
    );
    assert_eq!(r["result"], json!(true), "{r}");
    assert_eq!(r["changes"], json!({"grains.get": "fallback"}));
    // Unknown keywords are errors, not dropped.
    let r = run_one(
        &host,
        "module",
        "run",
        json!({"name": "test.echo", "text": "x", "bogus": 1}),
        false,
    );
    assert_eq!(r["result"], json!(false));
    assert_eq!(
        comment(&r),
        "Module function test.echo threw an exception. Exception: The following keyword arguments are not valid: bogus=1"
    );
}
