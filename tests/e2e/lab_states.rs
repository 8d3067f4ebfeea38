//! Golden tests of the system state modules on a real Debian host: each
//! case under `tests/lab/` runs in a fresh lab container (systemd as PID 1,
//! apt on the local repository) through the built `salt-rs-call --local
//! state.sls main`, bind-mounted, in the order Salt's captures were made
//! (test, run, second run, test again), and every answer is compared with
//! what Salt 3007.8 answered in the same container image (`captured/`, see
//! `tests/lab/README.md`). Times are masked; the JSON text is compared, so
//! key order counts.
//!
//! Without docker or the lab image the test prints why and passes (fails
//! under `SALT_RS_REQUIRE_LAB=1`). `LAB_CASES=pkg,service` runs only those.

use std::path::{Path, PathBuf};

use salt_testkit::container::{BIN, Host};
use serde_json::Value;

/// The minion config of every case (Salt's captures used the same roots).
const MINION: &str = "id: lab\nfile_roots:\n  base:\n    - /srv/salt\n    - /srv/lab-files\n";

const STEPS: &[(&str, bool)] = &[
    ("test", true),
    ("run", false),
    ("rerun", false),
    ("retest", true),
];

#[test]
fn lab_cases_match_salt() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab");
    let only: Option<Vec<String>> = std::env::var("LAB_CASES")
        .ok()
        .map(|s| s.split(',').map(String::from).collect());
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/lab")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("main.sls").is_file())
        .filter(|p| {
            only.as_ref()
                .is_none_or(|o| o.iter().any(|n| p.ends_with(n)))
        })
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no lab cases under {}", root.display());
    let call = salt_testkit::bin("salt-rs-call");
    let bin_dir = call.parent().map(Path::to_path_buf).unwrap_or_default();

    let mut failures = Vec::new();
    let mut compared = 0;
    for case in &cases {
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        let host = match Host::builder()
            .bin_dir(Some(bin_dir.clone()))
            .mount(case, "/srv/salt")
            .start()
        {
            Ok(h) => h,
            Err(skip) => return skip.print(),
        };
        if case.join("needs-net-sysctls").exists() && !host.net_sysctls_writable() {
            eprintln!(
                "SKIP: {name}: /proc/sys/net cannot be made writable in the container (run the tests as root)"
            );
            continue;
        }
        let differs = read_differs(case);
        host.write_file("/etc/salt-rs/minion", MINION);
        if case.join("setup.sh").is_file() {
            let out = host.exec(&["sh", "/srv/salt/setup.sh"]);
            assert_eq!(out.code, 0, "{name}/setup.sh: {out:?}");
        }
        for (step, test) in STEPS {
            let golden = case.join("captured").join(format!("{step}.json"));
            let Ok(text) = std::fs::read_to_string(&golden) else {
                continue;
            };
            let want: Value = serde_json::from_str(&text).expect("capture JSON");
            let mut argv = vec![
                format!("{BIN}/salt-rs-call"),
                "--local".into(),
                "--out".into(),
                "json".into(),
                "--retcode-passthrough".into(),
                "state.sls".into(),
                "main".into(),
            ];
            if *test {
                argv.push("test=True".into());
            }
            let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
            let out = host.exec(&refs);
            let got: Value = match serde_json::from_str::<Value>(&out.stdout) {
                Ok(v) => {
                    serde_json::json!({"retcode": out.code, "return": v.get("local").cloned().unwrap_or(Value::Null)})
                }
                Err(e) => {
                    failures.push(format!("{name}/{step}: not JSON ({e}): {out:?}"));
                    continue;
                }
            };
            compared += 1;
            compare(
                &name,
                step,
                &normalize(want),
                &normalize(got),
                &differs,
                &mut failures,
            );
        }
    }
    eprintln!(
        "lab: {} cases, {compared} runs compared with Salt's",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The state IDs of a case whose results deliberately differ from Salt's
/// (`differs`: one `id: reason` per line; docs/differences.md says why).
fn read_differs(case: &Path) -> Vec<String> {
    std::fs::read_to_string(case.join("differs"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':').map(|(id, _)| id.trim().to_owned()))
        .collect()
}

/// Compares the retcode and each state's result as JSON text (key order
/// counts). States listed in `differs` are only checked not to fail.
fn compare(
    case: &str,
    step: &str,
    want: &Value,
    got: &Value,
    differs: &[String],
    failures: &mut Vec<String>,
) {
    let differing = |r: &Value| {
        r.get("__id__")
            .and_then(Value::as_str)
            .is_some_and(|id| differs.iter().any(|d| d == id))
    };
    let (w, g) = (&want["return"], &got["return"]);
    let (Some(wm), Some(gm)) = (w.as_object(), g.as_object()) else {
        if pretty(w) != pretty(g) {
            failures.push(format!(
                "{case}/{step}: differs from Salt\n{}",
                diff(&pretty(w), &pretty(g))
            ));
        }
        return;
    };
    let wt: Vec<&String> = wm.keys().collect();
    let gt: Vec<&String> = gm.keys().collect();
    if wt != gt {
        failures.push(format!(
            "{case}/{step}: other states or order: Salt {wt:#?}\nours {gt:#?}"
        ));
        return;
    }
    let mut any_differing = false;
    for (tag, wr) in wm {
        let gr = &gm[tag];
        if differing(wr) {
            any_differing = true;
            if gr.get("result") == Some(&Value::Bool(false)) {
                failures.push(format!(
                    "{case}/{step}: {tag} (listed in differs) failed: {}",
                    pretty(gr)
                ));
            }
            continue;
        }
        let (a, b) = (pretty(wr), pretty(gr));
        if a != b {
            failures.push(format!(
                "{case}/{step}: {tag} differs from Salt\n{}",
                diff(&a, &b)
            ));
        }
    }
    if !any_differing && want["retcode"] != got["retcode"] {
        failures.push(format!(
            "{case}/{step}: exit code {} (Salt: {})",
            got["retcode"], want["retcode"]
        ));
    }
}

/// Times masked; systemd-run's random scope names masked; the changes of
/// `pkg` states sorted by package (Salt builds them from a set).
fn normalize(mut v: Value) -> Value {
    if let Some(ret) = v.get_mut("return").and_then(Value::as_object_mut) {
        for (tag, r) in ret.iter_mut() {
            let Some(r) = r.as_object_mut() else { continue };
            for k in ["start_time", "duration"] {
                if r.contains_key(k) {
                    r.insert(k.into(), Value::String("<masked>".into()));
                }
            }
            if let Some(Value::String(c)) = r.get_mut("comment") {
                *c = mask_scopes(c);
            }
            if tag.starts_with("pkg_|-")
                && let Some(Value::Object(c)) = r.get_mut("changes")
            {
                let mut sorted: Vec<(String, Value)> = std::mem::take(c).into_iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                c.extend(sorted);
            }
        }
    }
    v
}

/// `run-<hex>.scope` (systemd-run's unit names) as `run-<unit>.scope`.
fn mask_scopes(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("run-") {
        out.push_str(&rest[..i + 4]);
        rest = &rest[i + 4..];
        let n = rest.chars().take_while(char::is_ascii_alphanumeric).count();
        if n > 0 && rest[n..].starts_with(".scope") {
            out.push_str("<unit>");
            rest = &rest[n..];
        }
    }
    out.push_str(rest);
    out
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// The lines that differ (Salt's with `-`, ours with `+`).
fn diff(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let mut out = Vec::new();
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i).copied(), g.get(i).copied());
        if a != b {
            out.extend(a.map(|a| format!("-{a}")));
            out.extend(b.map(|b| format!("+{b}")));
        }
    }
    out.join("\n")
}

#[test]
fn scope_names_are_masked() {
    assert_eq!(
        mask_scopes("as unit: run-r0e47ab.scope\nE: x"),
        "as unit: run-<unit>.scope\nE: x"
    );
    assert_eq!(mask_scopes("run-parts"), "run-parts");
}
