//! A pillar that fails to compile: the error names the file, line and
//! column for the master's log, carries Salt's `_errors` messages for the
//! minion, and no partial pillar comes out of `compile`.

use std::fs;
use std::sync::Arc;

use salt_pillar::{NoFunctions, PillarConfig, PillarRequest, Problem, compile, compile_all};
use serde_json::{Map, Value, json};

fn tree(files: &[(&str, &str)]) -> (tempfile::TempDir, PillarConfig) {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        let p = dir.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }
    let mut cfg = PillarConfig::default();
    cfg.pillar_roots
        .insert("base".into(), vec![dir.path().to_owned()]);
    (dir, cfg)
}

fn grains() -> Map<String, Value> {
    json!({"os": "Debian"}).as_object().cloned().unwrap()
}

#[test]
fn jinja_error_names_file_line_and_column() {
    let (_dir, cfg) = tree(&[
        ("top.sls", "base:\n  '*':\n    - good\n    - sub.bad\n"),
        ("good.sls", "good: 1\n"),
        ("sub/bad.sls", "a: 1\nb: {{ grains.nope.x }}\n"),
    ]);
    let g = grains();
    let req = PillarRequest::new("m1", &g, Arc::new(NoFunctions));
    let err = compile(&cfg, &req).unwrap_err();
    assert_eq!(
        err.salt_errors(),
        ["Rendering SLS 'sub.bad' failed. Please see master log for details."]
    );
    assert_eq!(
        Value::Object(err.error_pillar()),
        json!({"_errors": ["Rendering SLS 'sub.bad' failed. Please see master log for details."]})
    );
    let full = err.to_string();
    assert!(
        full.starts_with("Pillar failed to render with the following messages:\n"),
        "{full}"
    );
    assert!(full.contains("sub/bad.sls:2:"), "{full}");
    assert!(
        full.contains("b: {{ grains.nope.x }}    <======================"),
        "{full}"
    );
    let Problem::SlsRender {
        sls,
        saltenv,
        error,
    } = &err.problems[0]
    else {
        panic!("{:?}", err.problems)
    };
    assert_eq!((sls.as_str(), saltenv.as_str()), ("sub.bad", "base"));
    assert_eq!((error.file.as_str(), error.line), ("sub/bad.sls", Some(2)));

    // Salt's own answer would have been the rest of the pillar plus _errors.
    let all = compile_all(&cfg, &req);
    assert_eq!(all.pillar["good"], json!(1));
    assert!(all.pillar.contains_key("_errors"));
}

#[test]
fn yaml_error_names_the_line_and_unsafe_mode_shows_it() {
    let (_dir, mut cfg) = tree(&[
        ("top.sls", "base:\n  '*':\n    - bad\n"),
        ("bad.sls", "a: 1\nb: [1, 2\nc: 3\n"),
    ]);
    cfg.safe_render_error = false;
    let g = grains();
    let req = PillarRequest::new("m1", &g, Arc::new(NoFunctions));
    let err = compile(&cfg, &req).unwrap_err();
    let msg = &err.salt_errors()[0];
    assert!(
        msg.starts_with("Rendering SLS 'bad' failed, render error:\n"),
        "{msg}"
    );
    assert!(msg.contains("(bad.sls:"), "{msg}");
}

#[test]
fn unknown_matcher_and_template_escapes_fail() {
    let (_dir, cfg) = tree(&[
        ("top.sls", "base:\n  '*':\n    - match: bogus\n    - a\n"),
        ("a.sls", "a: 1\n"),
    ]);
    let g = grains();
    let req = PillarRequest::new("m1", &g, Arc::new(NoFunctions));
    let err = compile(&cfg, &req).unwrap_err();
    assert!(matches!(&err.problems[0], Problem::UnknownMatcher { name, .. } if name == "bogus"));

    // A grain (chosen by the minion) cannot make a template read outside
    // pillar_roots.
    let (dir, mut cfg) = tree(&[
        ("root/top.sls", "base:\n  '*':\n    - a\n"),
        ("root/a.sls", "{% include grains.path %}\n"),
        ("outside.sls", "secret: 1\n"),
    ]);
    cfg.pillar_roots
        .insert("base".into(), vec![dir.path().join("root")]);
    for path in ["../outside.sls", "/etc/passwd", "a/../../outside.sls"] {
        let g: Map<String, Value> = json!({"path": path}).as_object().cloned().unwrap();
        let req = PillarRequest::new("m1", &g, Arc::new(NoFunctions));
        let err = compile(&cfg, &req).unwrap_err();
        assert!(
            matches!(&err.problems[0], Problem::SlsRender { .. }),
            "{path}: {err}"
        );
    }
}

#[test]
fn overrides_win_and_minion_id_is_a_grain() {
    let (_dir, cfg) = tree(&[
        ("top.sls", "base:\n  '{{ grains.id }}':\n    - a\n"),
        ("a.sls", "a: {x: 1, y: 2}\nid: {{ grains.id }}\n"),
    ]);
    let g = grains();
    let o = json!({"a": {"y": 3}}).as_object().cloned().unwrap();
    let mut req = PillarRequest::new("web7", &g, Arc::new(NoFunctions));
    req.overrides = Some(&o);
    let p = compile(&cfg, &req).unwrap();
    assert_eq!(
        Value::Object(p),
        json!({"a": {"x": 1, "y": 3}, "id": "web7"})
    );
}
