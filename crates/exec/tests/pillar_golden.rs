//! Golden tests of `pillar.*`, `grains.filter_by`, `defaults.*` and
//! `slsutil.merge`/`update`: every call in `tests/pillar/calls.txt` must
//! return what the real Salt 3007 returned for it through `salt-call
//! --local` (`tests/pillar/expected.json`, captured by
//! `scripts/pillar-exec-capture.sh`; see tests/pillar/README.md).

use std::fs;
use std::path::Path;
use std::sync::Arc;

use salt_exec::{Ctx, parse_call, parse_cli_args};
use serde_json::{Map, Value};

fn ctx(dir: &Path, pillar: Map<String, Value>) -> Ctx {
    let mut grains: Map<String, Value> =
        serde_json::from_str(&fs::read_to_string(dir.join("grains.json")).unwrap()).unwrap();
    grains.insert("id".into(), Value::String("minion1".into()));
    Ctx {
        pillar: Arc::new(pillar),
        ..Ctx::local(
            salt_types::MinionId::parse("minion1").unwrap(),
            Arc::new(grains),
        )
    }
}

/// The message of a call Salt failed on: the exception's text (Salt's
/// salt-call dies with a traceback) or its "Passed invalid arguments: X."
fn salt_failure(ret: &Value) -> String {
    let stderr = ret["__stderr__"].as_str().unwrap_or("");
    if let Some(i) = stderr.find("Passed invalid arguments: ") {
        let rest = &stderr[i + "Passed invalid arguments: ".len()..];
        let line = rest.lines().next().unwrap_or("");
        return line.strip_suffix('.').unwrap_or(line).to_owned();
    }
    let last = stderr.trim().lines().last().unwrap_or("");
    let msg = last.split_once(": ").map_or(last, |(_, m)| m);
    msg.trim_matches('\'').to_owned()
}

#[tokio::test]
async fn calls_match_salt() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("pillar");
    let expected: Vec<Value> =
        serde_json::from_str(&fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    assert!(expected.len() >= 80, "only {} calls", expected.len());
    // The pillar Salt compiled from tests/pillar/tree: its own pillar.items.
    let first = expected
        .iter()
        .find(|e| e["argv"] == serde_json::json!(["pillar.items"]))
        .expect("a plain pillar.items capture");
    let cx = ctx(&dir, first["return"].as_object().cloned().unwrap());

    let mut failures = Vec::new();
    for e in &expected {
        let argv: Vec<String> = e["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        let (fun, raw) = argv.split_first().unwrap();
        let (args, kwargs) = parse_cli_args(raw).unwrap();
        let got = match parse_call(fun, args, kwargs) {
            Ok(call) => call.call(&cx).await,
            Err(err) => err.into_result(),
        };
        let want_ret = &e["return"];
        let want_rc = e["retcode"].as_i64().unwrap();
        let line = argv.join(" ");
        if want_ret.get("__unparsed__").is_some() {
            let msg = salt_failure(want_ret);
            let text = got.ret.as_str().unwrap_or("");
            if got.retcode == 0 || !text.contains(&msg) {
                failures.push(format!(
                    "{line}: Salt failed with {msg:?}; salt-rs gave retcode {} {}",
                    got.retcode, got.ret
                ));
            }
            continue;
        }
        let (w, g) = (want_ret.to_string(), got.ret.to_string());
        if w != g || i64::from(got.retcode) != want_rc {
            failures.push(format!(
                "{line}:\n  salt:    {want_rc} {w}\n  salt-rs: {} {g}",
                got.retcode
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} calls differ from Salt:\n\n{}",
        failures.len(),
        expected.len(),
        failures.join("\n\n")
    );
}
