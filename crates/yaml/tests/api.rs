//! The public API's promises that the golden captures do not show directly:
//! map order is source order, documents in a stream, the error fields.

use salt_yaml::{DumpOptions, DumpStyle, dump_with, format_yaml, load, load_all};
use serde_json::json;

#[test]
fn mappings_keep_source_order() {
    let v = load("zeta: 1\nalpha: 2\nmid:\n  y: 1\n  b: 2\n").unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["zeta", "alpha", "mid"]);
    let inner: Vec<&String> = v["mid"].as_object().unwrap().keys().collect();
    assert_eq!(inner, ["y", "b"]);
}

#[test]
fn empty_and_comment_only_documents_are_null() {
    assert_eq!(load("").unwrap(), json!(null));
    assert_eq!(load("# nothing\n\n").unwrap(), json!(null));
    assert_eq!(load("---\n").unwrap(), json!(null));
}

#[test]
fn load_all_reads_every_document() {
    assert_eq!(load_all("").unwrap(), Vec::<serde_json::Value>::new());
    assert_eq!(
        load_all("--- 1\n--- [2]\n---\na: 3\n...\n---\n").unwrap(),
        vec![json!(1), json!([2]), json!({"a": 3}), json!(null)]
    );
    let err = load_all("--- 1\n--- {a: 1, a: 2}\n").unwrap_err();
    assert_eq!((err.line, err.col), (2, 12));
    let err = load("--- 1\n--- 2\n").unwrap_err();
    assert!(
        err.message.starts_with("expected a single document"),
        "{err}"
    );
}

#[test]
fn anchors_do_not_cross_documents() {
    let err = load_all("--- &a 1\n--- *a\n").unwrap_err();
    assert_eq!(err.message, "found undefined alias");
    assert_eq!((err.line, err.col), (2, 5));
}

#[test]
fn dump_can_keep_map_order() {
    let v = load("zeta: 1\nalpha: {b: 2, a: 1}\n").unwrap();
    let keep = DumpOptions {
        style: DumpStyle::Block,
        sort_keys: false,
        ..DumpOptions::default()
    };
    assert_eq!(dump_with(&v, &keep), "zeta: 1\nalpha:\n  b: 2\n  a: 1\n");
    assert_eq!(format_yaml(&v, true), "{alpha: {a: 1, b: 2}, zeta: 1}");
    assert_eq!(format_yaml(&v, false), "alpha:\n  a: 1\n  b: 2\nzeta: 1");
}
