//! Targeting end to end: every target type of `salt-rs` (glob, list,
//! grain, grain PCRE, id PCRE, ipcidr, compound, nodegroup) against three
//! real minions with different static grains, `--preview-target` listing
//! without running anything, and Salt's exact "no minions matched" path.

use std::collections::BTreeSet;
use std::time::Duration;

use salt_testkit::{Lab, golden, ok};
use serde_json::json;

/// Nodegroups as Salt writes them in the master config: compound strings,
/// a YAML list of ids, and one group nesting another with `N@`.
const NODEGROUPS: &str = "\
nodegroups:
  webs: 'G@role:web'
  edges: 'L@minion1,minion3'
  listed:
    - minion2
    - minion3
  nested: 'N@webs and not N@edges'
  either: 'N@edges or G@role:db'
  nobody: 'G@role:mail'
gather_job_timeout: 2";

fn lab() -> Lab {
    Lab::builder()
        .minions(3)
        .master_config(NODEGROUPS)
        .minion_config_for(
            "minion1",
            "grains:\n  role: web\n  roles:\n    k8s: master\n  tags: [blue, common]\n  rack: 12",
        )
        .minion_config_for(
            "minion2",
            "grains:\n  role: web\n  roles:\n    k8s: [worker, etcd]\n  tags: [green, common]\n  rack: 7",
        )
        .minion_config_for(
            "minion3",
            "grains:\n  role: db\n  roles:\n    k8s: worker\n  tags: [red]\n  rack: 12",
        )
        .start()
}

#[test]
fn every_target_type_selects_the_right_minions() {
    let lab = lab();
    let cases: &[(&[&str], &[&str])] = &[
        // Globs on the id.
        (&["*"], &["minion1", "minion2", "minion3"]),
        (&["minion[12]"], &["minion1", "minion2"]),
        (&["*3"], &["minion3"]),
        (&["minion?"], &["minion1", "minion2", "minion3"]),
        (&["minion[!1]"], &["minion2", "minion3"]),
        // Lists.
        (&["-L", "minion1,minion3"], &["minion1", "minion3"]),
        // Grains: exact, glob, nested dicts, lists matching any element,
        // non-string values, a custom delimiter.
        (&["-G", "role:web"], &["minion1", "minion2"]),
        (&["-G", "role:d*"], &["minion3"]),
        (&["-G", "roles:k8s:master"], &["minion1"]),
        (&["-G", "roles:k8s:worker"], &["minion2", "minion3"]),
        (&["-G", "roles:k8s:etcd"], &["minion2"]),
        (&["-G", "tags:common"], &["minion1", "minion2"]),
        (&["-G", "tags:r*"], &["minion3"]),
        (&["-G", "rack:12"], &["minion1", "minion3"]),
        (
            &["-G", "roles|k8s|master", "--delimiter", "|"],
            &["minion1"],
        ),
        // Grain PCRE.
        (&["-P", "role:^w.b$"], &["minion1", "minion2"]),
        (&["-P", "tags:^(red|green)$"], &["minion2", "minion3"]),
        (&["-P", "roles:k8s:^mas"], &["minion1"]),
        // PCRE on the id.
        (&["-E", "minion[23]$"], &["minion2", "minion3"]),
        (&["-E", "^minion(1|3)$"], &["minion1", "minion3"]),
        // IP / CIDR: every lab minion lives on 127.0.0.1.
        (&["-S", "127.0.0.0/8"], &["minion1", "minion2", "minion3"]),
        (&["-S", "127.0.0.1"], &["minion1", "minion2", "minion3"]),
        // Compound: parentheses, not, and/or precedence, each engine.
        (
            &["-C", "( G@role:web or L@minion3 ) and not minion1"],
            &["minion2", "minion3"],
        ),
        (&["-C", "G@role:web and not G@tags:blue"], &["minion2"]),
        (
            &["-C", "E@minion[12] or G@roles:k8s:worker"],
            &["minion1", "minion2", "minion3"],
        ),
        (&["-C", "not G@role:web"], &["minion3"]),
        (&["-C", "P@tags:^bl and S@127.0.0.0/8"], &["minion1"]),
        (&["-C", "minion* and N@nested"], &["minion2"]),
        // Nodegroups, including nested N@ and a list.
        (&["-N", "webs"], &["minion1", "minion2"]),
        (&["-N", "edges"], &["minion1", "minion3"]),
        (&["-N", "listed"], &["minion2", "minion3"]),
        (&["-N", "nested"], &["minion2"]),
        (&["-N", "either"], &["minion1", "minion3"]),
    ];
    for (target, want) in cases {
        let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
        assert_eq!(answered(&lab, target), want, "target {target:?}");
        // The preview lists the same minions (and runs nothing).
        let mut args = vec!["--preview-target", "--out", "json"];
        args.extend_from_slice(target);
        let out = ok(lab.salt(&args));
        let listed: BTreeSet<String> = out
            .json()
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(listed, want, "preview of {target:?}");
    }

    // Targets that match nothing: nothing sent, Salt's texts, exit 2.
    let golden = golden("no-target.txt");
    for target in [
        &["nosuch"][..],
        &["-L", "nosuch,other"],
        &["-G", "role:mail"],
        &["-G", "roles:k8s:nosuch"],
        &["-P", "role:^x"],
        &["-E", "^web"],
        &["-S", "198.51.100.0/24"],
        &["-C", "G@role:web and G@role:db"],
        &["-N", "nobody"],
        &["-C", "N@webs and minion3"],
    ] {
        let mut args = target.to_vec();
        args.extend(["test.ping", "-t", "3"]);
        let out = lab.salt(&args);
        assert_eq!(out.stdout, golden.stdout, "{target:?}: {out:?}");
        assert_eq!(out.stderr, golden.stderr, "{target:?}: {out:?}");
        assert_eq!(out.code, golden.code, "{target:?}: {out:?}");
    }
}

#[test]
fn preview_target_runs_nothing() {
    let lab = Lab::builder()
        .minions(2)
        .master_config("gather_job_timeout: 2")
        .start();
    let marker = lab.root().join("touched");
    let cmd = format!("touch {}", marker.display());

    // Default (nested) output of the id list, as Salt prints a list.
    let out = ok(lab.salt(&["--preview-target", "*", "cmd.run", &cmd]));
    assert_eq!(out.stdout, "- minion1\n- minion2\n");
    let out = ok(lab.salt(&["--preview-target", "-L", "minion2", "cmd.run", &cmd]));
    assert_eq!(out.stdout, "- minion2\n");
    assert_eq!(
        ok(lab.salt(&[
            "--preview-target",
            "nosuch",
            "cmd.run",
            &cmd,
            "--out",
            "json"
        ]))
        .stdout,
        "[]\n"
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!marker.exists(), "--preview-target ran the command");
    for id in ["minion1", "minion2"] {
        assert!(
            !lab.minion_log(id).contains("fun=cmd.run") && !lab.minion_log(id).contains("cmd.run"),
            "{id} received a job during --preview-target"
        );
    }

    // The same command without --preview-target does create the file, so
    // the check above can tell.
    let out = ok(lab.salt(&["minion1", "cmd.run", &cmd, "-t", "5"]));
    assert_eq!(out.stdout, "minion1:\n");
    assert!(marker.exists(), "cmd.run did not run: {out:?}");
}

// ---------------------------------------------------------------- helpers

/// Which minions answered `test.ping` on `target` (exit 0 and every
/// answer `true` required).
fn answered(lab: &Lab, target: &[&str]) -> BTreeSet<String> {
    let mut args = target.to_vec();
    args.extend(["test.ping", "--out", "json", "--static", "-t", "5"]);
    let out = ok(lab.salt(&args));
    let v = out.json();
    let map = v.as_object().expect("a JSON object");
    for (id, ret) in map {
        assert_eq!(ret, &json!(true), "{id} on {target:?}: {out:?}");
    }
    map.keys().cloned().collect()
}
