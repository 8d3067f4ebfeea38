//! `tests/golden/tree/<host>/`: the bundled Kubernetes tree (`states/`,
//! `pillar/`) as Salt showed it on four example hosts
//! (`scripts/capture-tree.sh`; `tests/golden/tree/README.md`). Each host
//! gets the capture's throwaway minion config (its `grains.yaml` under
//! `grains:`, which override the machine's own) and every capture in
//! `retcodes.txt` is asked again of `salt-rs-call --local --id <host>`,
//! inside `unshare -n` where that works (the tree names package
//! repositories and download URLs; nothing may be contacted).
//!
//! `pillar.items`, `show_top`, `show_highstate`, `show_lowstate` and every
//! `show_sls` (with the `pillar=` overrides of `variants.txt`) must be
//! equal, and exit as salt-call did. `state.apply test=True` depends on the
//! machine that runs it (installed packages, systemd, kernel modules: see
//! the README), so it is compared by structure ([`same_structure`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use salt_testkit::mask;

use super::support::{Checks, Minion, Outcome, is_root, repo, unshare_works};

/// One capture of one host.
pub struct Step {
    host: String,
    /// The capture, relative to the host's directory.
    file: String,
    /// salt-call's exit code for it.
    retcode: i32,
    args: Vec<String>,
}

/// Every capture of every host, one case each (so they run in parallel).
pub fn cases() -> Vec<(String, Step)> {
    let golden = repo().join("tests/golden/tree");
    let mut hosts: Vec<PathBuf> = std::fs::read_dir(&golden)
        .unwrap_or_else(|e| panic!("{}: {e}", golden.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("grains.yaml").is_file())
        .collect();
    hosts.sort();
    let mut out = Vec::new();
    for dir in hosts {
        let host = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let variants = read(&dir.join("variants.txt")).unwrap_or_default();
        let retcodes = read(&dir.join("retcodes.txt")).unwrap_or_default();
        for line in retcodes.lines() {
            let Some((file, rc)) = line.rsplit_once(' ') else {
                continue;
            };
            let Some(args) = call_of(file, &variants) else {
                panic!("{host}/retcodes.txt: no call known for {file}");
            };
            out.push((
                format!("{host} {file}"),
                Step {
                    host: host.clone(),
                    file: file.to_owned(),
                    retcode: rc.parse().unwrap_or(0),
                    args,
                },
            ));
        }
    }
    out
}

pub fn check(step: &Step) -> Outcome {
    if step.file == "highstate.test.json" && is_root() && !unshare_works() {
        // As root, test mode's package refresh (apt-get update, as Salt's)
        // would reach the network.
        return Outcome::Skip(
            "as root it needs a network namespace (unshare -n), which does not work here".into(),
        );
    }
    let dir = repo().join("tests/golden/tree").join(&step.host);
    let want = match read(&dir.join(&step.file)) {
        Ok(t) => t,
        Err(e) => return Outcome::Fail(e),
    };
    let Ok(want) = serde_json::from_str::<Value>(&want) else {
        return Outcome::Fail(format!("{}: not JSON", step.file));
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let minion = match host_minion(&step.host, tmp.path()) {
        Ok(m) => m,
        Err(e) => return Outcome::Fail(e),
    };
    let args: Vec<&str> = step.args.iter().map(String::as_str).collect();
    let mut all = vec!["--out", "json", "-l", "quiet"];
    all.extend_from_slice(&args);
    let out = if step.file == "highstate.test.json" {
        // One highstate at a time, as the captures ran: test mode still
        // asks the machine's package manager, whose locks a second run
        // would find held.
        static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        minion.call(&all)
    } else {
        minion.call(&all)
    };
    let got = serde_json::from_str::<Value>(&out.stdout)
        .unwrap_or_else(|_| serde_json::json!({"__unparsed__": out.stdout}));
    let label = format!("salt-call {}", args.join(" "));
    let mut checks = Checks::default();
    if step.file == "highstate.test.json" {
        let (result, note) = same_structure(&want["local"], &got["local"]);
        checks.check(result.map_err(|e| format!("{label}: {e}")));
        if let Some(note) = note {
            eprintln!("k8s-tree: {} {}: {note}", step.host, step.file);
        }
        // The retcode follows the results, which the machine decides.
    } else {
        checks.check(mask::compare_json(&label, &want, &got));
        checks.exit_code(&label, step.retcode, &out);
    }
    checks.outcome()
}

/// The capture script's throwaway minion config for `host` in `base`: its
/// `grains.yaml` under `grains:`, the repository's `states/` and `pillar/`
/// as roots, no network.
pub fn host_minion(host: &str, base: &Path) -> Result<Minion, String> {
    let dir = repo().join("tests/golden/tree").join(host);
    let grains = read(&dir.join("grains.yaml"))?;
    let mut extra = String::from("file_client: local\nlog_level: warning\ngrains:\n");
    for line in grains.lines().filter(|l| !l.starts_with('#')) {
        extra.push_str("  ");
        extra.push_str(line);
        extra.push('\n');
    }
    let mut minion = Minion::new(
        base,
        host,
        &repo().join("states"),
        &repo().join("pillar"),
        &extra,
    );
    minion.no_network = true;
    minion.cwd = repo();
    Ok(minion)
}

/// The modules whose results the machine decides: package databases and
/// repositories, systemd, kernel modules and parameters, users and groups.
const MACHINE_DECIDES: &[&str] = &[
    "pkg", "pkgrepo", "service", "kmod", "sysctl", "user", "group",
];

const REQ_FAILED: &str = "One or more requisite failed";

/// `state.apply test=True` compared by structure, as the README says:
///
/// * the same state tags, in the same run order, each with Salt's
///   `__sls__`, `__id__` and `name`;
/// * for the states of modules the machine does not decide (`file`,
///   `cmd`, `archive`, ...): `result`, `comment` and `changes` equal
///   (masked as every state run is), unless a requisite failed on either
///   side: which requisites fail follows from the machine-decided states
///   upstream;
/// * states of modules salt-rs does not have yet, and those whose module
///   Salt could not load on the capturing machine, are reported (the
///   note) rather than compared.
///
/// Returns the problems, and a note of what was not compared.
pub fn same_structure(want: &Value, got: &Value) -> (Result<(), String>, Option<String>) {
    let (Some(w), Some(g)) = (want.as_object(), got.as_object()) else {
        return (mask::compare_json("the return", want, got), None);
    };
    let mut problems = Vec::new();
    let order = |m: &Map<String, Value>| {
        let mut tags: Vec<(i64, String)> = m
            .iter()
            .map(|(t, r)| (r["__run_num__"].as_i64().unwrap_or(-1), t.clone()))
            .collect();
        tags.sort();
        Value::Array(tags.into_iter().map(|(_, t)| Value::String(t)).collect())
    };
    if let Err(e) = mask::compare_json("the states in run order", &order(w), &order(g)) {
        problems.push(e);
    }
    let mut missing: BTreeMap<String, usize> = BTreeMap::new();
    let mut unloaded: BTreeMap<String, usize> = BTreeMap::new();
    let mut compared = 0;
    for (tag, wr) in w {
        let Some(gr) = g.get(tag) else { continue };
        let module = tag.split("_|-").next().unwrap_or_default();
        let fun = tag.rsplit("_|-").next().unwrap_or_default();
        let pick = |r: &Value, keys: &[&str]| {
            Value::Object(
                keys.iter()
                    .map(|k| ((*k).to_owned(), r.get(*k).cloned().unwrap_or(Value::Null)))
                    .collect(),
            )
        };
        let comment = |r: &Value| r["comment"].as_str().unwrap_or_default().to_owned();
        let not_found = format!("State '{module}.{fun}' was not found");
        if comment(gr).starts_with(&not_found) {
            *missing.entry(format!("{module}.{fun}")).or_default() += 1;
            continue;
        }
        if comment(wr).starts_with(&not_found) {
            // Salt's module did not load on the capturing machine (no
            // yum/dnf for the RedHat-grained hosts): the machine decided.
            *unloaded.entry(format!("{module}.{fun}")).or_default() += 1;
            continue;
        }
        if let Err(e) = mask::compare_json(
            tag,
            &pick(wr, &["__sls__", "__id__", "name"]),
            &pick(gr, &["__sls__", "__id__", "name"]),
        ) {
            problems.push(e);
        }
        if MACHINE_DECIDES.contains(&module)
            || comment(wr).starts_with(REQ_FAILED)
            || comment(gr).starts_with(REQ_FAILED)
        {
            continue;
        }
        compared += 1;
        let keys = ["result", "comment", "changes"];
        let run = |r: &Value| {
            let mut one = Map::new();
            one.insert(tag.clone(), pick(r, &keys));
            mask::pids(&mask::state_run(&Value::Object(one)))
        };
        if let Err(e) = mask::compare_json(tag, &run(wr), &run(gr)) {
            problems.push(e);
        }
    }
    let mut note = format!("{compared} states compared in full");
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|(f, n)| format!("{f} ({n})")).collect();
        note.push_str(&format!(
            "; not compared, salt-rs has no such state yet: {}",
            list.join(", ")
        ));
    }
    if !unloaded.is_empty() {
        let list: Vec<String> = unloaded.iter().map(|(f, n)| format!("{f} ({n})")).collect();
        note.push_str(&format!(
            "; not compared, Salt could not load them on the capturing machine: {}",
            list.join(", ")
        ));
    }
    let result = if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    };
    (result, Some(note))
}

/// The salt-call arguments behind one capture file.
fn call_of(file: &str, variants: &str) -> Option<Vec<String>> {
    let v = |s: &[&str]| Some(s.iter().map(|a| (*a).to_owned()).collect());
    match file {
        "pillar.items.json" => v(&["pillar.items"]),
        "show_top.json" => v(&["state.show_top"]),
        "show_highstate.json" => v(&["state.show_highstate"]),
        "show_lowstate.json" => v(&["state.show_lowstate"]),
        "highstate.test.json" => v(&["state.apply", "test=True"]),
        _ => {
            let sls = file.strip_prefix("show_sls/")?.strip_suffix(".json")?;
            match sls.split_once('@') {
                None => v(&["state.show_sls", sls]),
                Some((sls, variant)) => variants.lines().find_map(|l| {
                    let mut parts = l.splitn(3, ' ');
                    let (name, s, pillar) = (parts.next()?, parts.next()?, parts.next()?);
                    (name == variant && s == sls).then(|| {
                        vec![
                            "state.show_sls".to_owned(),
                            sls.to_owned(),
                            format!("pillar={pillar}"),
                        ]
                    })
                }),
            }
        }
    }
}

fn read(p: &Path) -> Result<String, String> {
    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
}
