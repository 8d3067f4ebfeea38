//! Pillar end to end: compiled on the master for each minion from
//! `pillar_roots` (top.sls matched with that minion's grains), sent only to
//! it, used for `-I` targeting, refreshed by `saltutil.refresh_pillar`, and
//! never handed out in part: a render error reaches the minion as Salt's
//! `_errors` alone while the master's log names the file and line.

use std::time::Duration;

use salt_testkit::{Lab, golden, wait_until};

fn lab_with_pillar(dir: &std::path::Path) -> Lab {
    Lab::builder()
        .minions(2)
        .master_config(&format!(
            "pillar_roots:\n  base:\n    - {}\n",
            dir.display()
        ))
        .start()
}

#[test]
fn pillar_is_compiled_per_minion_and_targets() {
    let tree = tempfile::tempdir().unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/salt-reference/tree/pillar");
    let src = if src.exists() {
        src
    } else {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/salt-reference/tree/pillar")
    };
    for f in ["top.sls", "env.sls"] {
        std::fs::copy(src.join(f), tree.path().join(f)).unwrap();
    }
    // minion2 alone also gets a pillar keyed on its own grains.
    std::fs::write(
        tree.path().join("top.sls"),
        "base:\n  '*':\n    - env\n  'minion2':\n    - only2\n",
    )
    .unwrap();
    std::fs::write(
        tree.path().join("only2.sls"),
        "role: web\nmy_id: {{ grains['id'] }}\nliteral: '{{ \"{{ not rendered }}\" }}'\n",
    )
    .unwrap();
    let lab = lab_with_pillar(tree.path());

    // Salt's own output for the reference tree, byte for byte.
    let out = lab.salt(&["minion1", "pillar.items"]);
    let g = golden("pillar.items.txt");
    assert_eq!(
        (out.stdout.as_str(), out.code),
        (g.stdout.as_str(), g.code),
        "{out:?}"
    );
    let out = lab.salt(&["minion1", "pillar.get", "cluster_servers:master"]);
    let g = golden("pillar.get.txt");
    assert_eq!(
        (out.stdout.as_str(), out.code),
        (g.stdout.as_str(), g.code),
        "{out:?}"
    );

    // Only minion2 has its extra pillar, rendered with its own grains.
    let out = lab.salt(&["*", "pillar.get", "my_id", "--out", "json", "--static"]);
    assert_eq!(
        out.json(),
        serde_json::json!({"minion1": "", "minion2": "minion2"}),
        "{out:?}"
    );
    let out = lab.salt(&[
        "minion2",
        "pillar.get",
        "literal",
        "--out",
        "json",
        "--static",
    ]);
    assert_eq!(out.json()["minion2"], "{{ not rendered }}", "{out:?}");

    // -I matches the pillar the master compiled for each minion.
    let mut last = None;
    assert!(
        wait_until(Duration::from_secs(20), || {
            let out = lab.salt(&["-I", "role:web", "test.ping", "--out", "json", "--static"]);
            let ok = out.code == 0 && out.json() == serde_json::json!({"minion2": true});
            last = Some(out);
            ok
        }),
        "{last:?}"
    );

    // A change on the master shows after saltutil.refresh_pillar.
    std::fs::write(tree.path().join("only2.sls"), "role: db\n").unwrap();
    let out = lab.salt(&["minion2", "pillar.get", "role", "--out", "json", "--static"]);
    assert_eq!(
        out.json()["minion2"],
        "web",
        "cached until refreshed: {out:?}"
    );
    let out = lab.salt(&[
        "minion2",
        "saltutil.refresh_pillar",
        "--out",
        "json",
        "--static",
    ]);
    assert_eq!(out.json()["minion2"], true, "{out:?}");
    let out = lab.salt(&["minion2", "pillar.get", "role", "--out", "json", "--static"]);
    assert_eq!(out.json()["minion2"], "db", "{out:?}");
}

#[test]
fn a_pillar_render_error_is_never_a_partial_pillar() {
    let tree = tempfile::tempdir().unwrap();
    std::fs::write(
        tree.path().join("top.sls"),
        "base:\n  '*':\n    - good\n    - broken\n",
    )
    .unwrap();
    std::fs::write(tree.path().join("good.sls"), "secret_ok: 1\n").unwrap();
    std::fs::write(
        tree.path().join("broken.sls"),
        "a: 1\nb: {{ undefined_thing.attr }}\n",
    )
    .unwrap();
    let lab = lab_with_pillar(tree.path());
    let out = lab.salt(&["minion1", "pillar.items", "--out", "json", "--static"]);
    let v = out.json();
    assert_eq!(
        v["minion1"],
        serde_json::json!({"_errors": ["Rendering SLS 'broken' failed. Please see master log for details."]}),
        "only the error, no partial data: {out:?}"
    );
    let log = lab.master_log();
    assert!(
        log.contains("broken.sls") && log.contains("line 2"),
        "the master log names the file and line: {}",
        log.lines()
            .filter(|l| l.contains("pillar"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
