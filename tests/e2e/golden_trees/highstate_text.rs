//! `crates/output/tests/golden/highstate/*`: the salt-call cases of the
//! highstate outputter goldens (`scripts/capture-highstate-goldens.sh`).
//! `NAME.call.json` holds the salt-call arguments and the extra minion
//! config of each; the same call on the same tree (`tree/`, with the
//! files the capture prepares in `/tmp/salt-rs-highstate-golden`) must
//! print the same text, times, durations and pids aside, and exit as
//! salt-call did (1 when the job's retcode is not 0).

use std::path::{Path, PathBuf};

use serde_json::Value;

use salt_testkit::mask;

use super::support::{Checks, Minion, Outcome, copy_tree, repo};

/// The directory the tree's `file.managed` states write to.
const FILES: &str = "/tmp/salt-rs-highstate-golden";

fn golden_dir() -> PathBuf {
    repo().join("crates/output/tests/golden/highstate")
}

pub fn cases() -> Vec<(String, PathBuf)> {
    let dir = golden_dir();
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let name = p
                .file_name()?
                .to_str()?
                .strip_suffix(".call.json")?
                .to_owned();
            Some((name, p))
        })
        .collect();
    out.sort();
    out
}

pub fn check(name: &str, call_file: &Path) -> Outcome {
    let dir = golden_dir();
    let read = |f: String| std::fs::read_to_string(dir.join(&f)).map_err(|e| format!("{f}: {e}"));
    let (call, want, opts) = match (
        read(format!("{name}.call.json")),
        read(format!("{name}.txt")),
        read(format!("{name}.opts.json")),
    ) {
        (Ok(c), Ok(t), Ok(o)) => (c, t, o),
        (c, t, o) => {
            let e = [c.err(), t.err(), o.err()].into_iter().flatten();
            return Outcome::Fail(e.collect::<Vec<_>>().join("; "));
        }
    };
    let (Ok(call), Ok(opts)) = (
        serde_json::from_str::<Value>(&call),
        serde_json::from_str::<Value>(&opts),
    ) else {
        return Outcome::Fail(format!("{}: not JSON", call_file.display()));
    };
    // A files directory with the name's length, so that nothing the
    // outputter pads moves when the name is put back.
    let files = tempfile::Builder::new()
        .prefix("salt-rs-highstate-")
        .rand_bytes(FILES.len() - "/tmp/salt-rs-highstate-".len())
        .tempdir_in("/tmp")
        .expect("temp dir");
    let ours = files.path().display().to_string();
    assert_eq!(ours.len(), FILES.len(), "{ours}");
    std::fs::write(
        files.path().join("changed.txt"),
        "line one\nline two\nline three\n",
    )
    .expect("changed.txt");
    let work = tempfile::tempdir().expect("temp dir");
    let tree = work.path().join("tree");
    let fill = |_: &Path, t: String| t.replace(FILES, &ours);
    if let Err(e) = copy_tree(&dir.join("tree"), &tree, &|_, _| true, &fill) {
        return Outcome::Fail(format!("copying the tree: {e}"));
    }
    let pillar = work.path().join("pillar");
    std::fs::create_dir_all(&pillar).expect("pillar dir");
    let mut extra = String::from("log_level: warning\n");
    if let Some(Value::Object(config)) = call.get("config") {
        for (k, v) in config {
            extra.push_str(&format!("{k}: {v}\n"));
        }
    }
    let minion = Minion::new(&work.path().join("minion"), "local", &tree, &pillar, &extra);
    let args: Vec<&str> = call["args"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let out = minion.call(&args);
    let got = out.stdout.replace(&ours, FILES);
    let (want, got) = render_errors(&want, &got);
    let mut checks = Checks::default();
    checks.check(mask::compare_text(
        &format!("salt-call {}", args.join(" ")),
        &mask::highstate_text(&want),
        &mask::highstate_text(&got),
    ));
    let retcode = opts["retcode"].as_i64().unwrap_or(0);
    checks.exit_code("exit code", i32::from(retcode != 0), &out);
    checks.outcome()
}

/// Render errors are worded differently on purpose (docs/differences.md,
/// "Templates and rendering"): a Jinja error gets `(file:line:col)` after
/// Salt's `; line N`, which is dropped here; a YAML error is PyYAML's
/// "while parsing ... in "<unicode string>", line L, column C" in Salt
/// and salt-yaml's "...; line L (file:L:C)" plus the context block in
/// ours: both become `<YAML error at line L, column C>`, so that the
/// place of the error is still compared. Nothing else is touched.
fn render_errors(want: &str, got: &str) -> (String, String) {
    const FAILED: &str = "' failed: ";
    let (Some(w_at), Some(g_at)) = (want.find(FAILED), got.find(FAILED)) else {
        return (want.to_owned(), got.to_owned());
    };
    let message_end = |text: &str, from: usize| {
        text[from..]
            .find("\x1b[0;0m")
            .map_or(text.trim_end().len(), |i| from + i)
    };
    let (w_from, g_from) = (w_at + FAILED.len(), g_at + FAILED.len());
    let (w_end, g_end) = (message_end(want, w_from), message_end(got, g_from));
    let (w_msg, g_msg) = (&want[w_from..w_end], &got[g_from..g_end]);
    let place = regex::Regex::new(r"; line (\d+) \([^()\n]*:(\d+):(\d+)\)").expect("regex");
    let (w_msg, g_msg) = if w_msg.contains("in \"<unicode string>\", line ") {
        let salt = regex::Regex::new(r"line (\d+), column (\d+)").expect("regex");
        let w = salt
            .captures(w_msg)
            .map(|c| format!("<YAML error at line {}, column {}>", &c[1], &c[2]));
        let g = place
            .captures(g_msg)
            .map(|c| format!("<YAML error at line {}, column {}>", &c[2], &c[3]));
        match (w, g) {
            (Some(w), Some(g)) => (w, g),
            _ => (w_msg.to_owned(), g_msg.to_owned()),
        }
    } else if w_msg.starts_with("Jinja") {
        (
            w_msg.to_owned(),
            place.replace(g_msg, "; line $1").into_owned(),
        )
    } else {
        (w_msg.to_owned(), g_msg.to_owned())
    };
    (
        format!("{}{w_msg}{}", &want[..w_from], &want[w_end..]),
        format!("{}{g_msg}{}", &got[..g_from], &got[g_end..]),
    )
}
