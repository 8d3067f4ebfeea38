//! Byte-for-byte comparisons with what Salt 3007 printed.
//!
//! `tests/golden/*.txt` are copies of real Salt captures
//! (`shared/salt-reference/outputs`); the CLI's own lines (`ERROR: ...`) and
//! the capture's `[exit code: N]` line are not outputter output and are
//! dropped before comparing. `tests/golden/oracle/*` hold what Salt's yaml,
//! pprint, raw and txt outputters print for the same data, computed with the
//! Python calls those outputters make (`tools/oracle.py`).

use salt_output::{Format, Options, render_all, render_one};
use serde_json::{Value, json};

fn golden(name: &str) -> String {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.starts_with("ERROR: ") && !l.starts_with("[exit code: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn golden_json(name: &str) -> Value {
    serde_json::from_str(&golden(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn opts() -> Options {
    Options::default()
}

/// What `salt` prints without `--static`: each return as it arrives.
fn as_they_arrive(fmt: Format, returns: &[(&str, Value)]) -> String {
    returns
        .iter()
        .map(|(minion, ret)| render_one(fmt, minion, ret, &opts()))
        .collect()
}

#[test]
fn test_ping_nested() {
    let got = as_they_arrive(
        Format::Nested,
        &[
            ("minion3", json!(true)),
            ("minion1", json!(true)),
            ("minion2", json!(true)),
        ],
    );
    assert_eq!(got, golden("test.ping.nested.txt"));
}

#[test]
fn compound_target_nested() {
    let got = as_they_arrive(
        Format::Nested,
        &[
            ("minion1", json!(true)),
            ("minion3", json!(true)),
            ("minion2", json!(true)),
        ],
    );
    assert_eq!(got, golden("compound-target.txt"));
}

#[test]
fn test_ping_txt() {
    let got = as_they_arrive(
        Format::Txt,
        &[
            ("minion2", json!(true)),
            ("minion1", json!(true)),
            ("minion3", json!(true)),
        ],
    );
    assert_eq!(got, golden("test.ping.txt.txt"));
}

#[test]
fn test_ping_json_static() {
    let data = json!({"minion1": true, "minion2": true, "minion3": true});
    assert_eq!(
        render_all(Format::Json, &data, &opts()),
        golden("test.ping.json.txt")
    );
}

#[test]
fn cmd_run_multiline_string() {
    let got = render_one(Format::Nested, "minion1", &json!("out\nerr"), &opts());
    assert_eq!(got, golden("cmd.run.nested.txt"));
}

#[test]
fn cmd_run_all_json() {
    let ret = json!({"pid": 23652, "retcode": 3, "stdout": "out", "stderr": "err"});
    assert_eq!(
        render_one(Format::Json, "minion1", &ret, &opts()),
        golden("cmd.run_all.json.txt")
    );
}

#[test]
fn cp_get_dir_list() {
    let ret = json!([
        "/srv/out/cpdir/keepalived/init.sls",
        "/srv/out/cpdir/keepalived/keepalived.conf"
    ]);
    assert_eq!(
        render_one(Format::Nested, "minion1", &ret, &opts()),
        golden("cp.get_dir.txt")
    );
}

#[test]
fn list_target() {
    let got = as_they_arrive(
        Format::Nested,
        &[("minion3", json!("hello")), ("minion1", json!("hello"))],
    );
    assert_eq!(got, golden("list-target.txt"));
}

#[test]
fn did_not_return_message() {
    let message = "Minion did not return. [No response]\nThe minions may not have all finished running and any remaining minions will return upon completion. To look up the return data for this job later, run the following command:\n\nsalt-run jobs.lookup_jid 20261121210639212923";
    let got = as_they_arrive(
        Format::Nested,
        &[
            ("minion1", json!(true)),
            ("minion2", json!(true)),
            ("minion3", json!(message)),
        ],
    );
    assert_eq!(got, golden("did-not-return.txt"));
}

#[test]
fn bad_function_message() {
    let ret = json!("'no.such_function' is not available.");
    assert_eq!(
        render_one(Format::Nested, "minion1", &ret, &opts()),
        golden("bad-function.txt")
    );
}

#[test]
fn runner_lookup_jid() {
    let data = json!({"minion1": true});
    assert_eq!(
        render_all(Format::Nested, &data, &opts()),
        golden("jobs.lookup_jid.txt")
    );
}

#[test]
fn runner_list_jobs_sorts_keys_and_nests_lists() {
    let path = format!(
        "{}/tests/golden/jobs.list_jobs.input.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let data: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        render_all(Format::Nested, &data, &opts()),
        golden("jobs.list_jobs.txt")
    );
}

#[test]
fn runner_manage_status_and_down() {
    let status = json!({"up": ["minion1", "minion2", "minion3"], "down": []});
    assert_eq!(
        render_all(Format::Nested, &status, &opts()),
        golden("manage.status.txt")
    );
    assert_eq!(
        render_all(Format::Nested, &json!(["minion3"]), &opts()),
        golden("manage.down.txt")
    );
}

#[test]
fn pillar_items_and_get() {
    let items = json!({
        "cluster_servers": {"master": ["127.0.0.1", "172.16.0.3", "172.16.0.5"]},
        "cluster_server_port": 6443,
        "cluster_server_ip": "172.16.0.240"
    });
    assert_eq!(
        render_one(Format::Nested, "minion1", &items, &opts()),
        golden("pillar.items.txt")
    );
    let get = json!(["127.0.0.1", "172.16.0.3", "172.16.0.5"]);
    assert_eq!(
        render_one(Format::Nested, "minion1", &get, &opts()),
        golden("pillar.get.txt")
    );
}

#[test]
fn show_top_nested() {
    let ret = json!({"base": ["keepalived", "failing"]});
    assert_eq!(
        render_one(Format::Nested, "minion2", &ret, &opts()),
        golden("show_top.txt")
    );
}

/// Real Salt JSON captures re-rendered from their own data: key order,
/// floats (`45.787`), escapes and empty containers must survive unchanged.
#[test]
fn json_captures_round_trip() {
    for name in [
        "grains.items.json.txt",
        "salt-key-L.json.txt",
        "show_lowstate.json.txt",
        "show_sls.json.txt",
        "highstate.json.txt",
        "cmd.run_all.json.txt",
    ] {
        let data = golden_json(name);
        assert_eq!(
            render_all(Format::Json, &data, &opts()),
            golden(name),
            "{name}"
        );
    }
}

#[test]
fn python_oracle_outputs() {
    let cases: [(&str, Format, Option<i64>); 7] = [
        ("yaml", Format::Yaml, None),
        ("yaml-indent4", Format::Yaml, Some(4)),
        ("yaml-flow", Format::Yaml, Some(-1)),
        ("pprint", Format::Pprint, None),
        ("pprint-indent4", Format::Pprint, Some(4)),
        ("raw", Format::Raw, None),
        ("txt", Format::Txt, None),
    ];
    for base in ["grains.items", "highstate", "show_sls"] {
        let data = golden_json(&format!("{base}.json.txt"));
        for (kind, fmt, indent) in cases {
            let o = Options { indent, ..opts() };
            let want = golden(&format!("oracle/{base}.{kind}.txt"));
            assert_eq!(render_all(fmt, &data, &o), want, "{base} {kind}");
        }
    }
}
