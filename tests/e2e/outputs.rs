//! What `salt-rs` prints, compared with Salt 3007's own captures
//! (`tests/golden/`): byte for byte where the data is the same, as sets of
//! per-minion blocks where Salt printed returns in arrival order, with the
//! pid masked where it necessarily differs. Also the other outputters,
//! `--out-indent`, `--out-file` and the colour switches.

use std::collections::BTreeMap;

use salt_testkit::{Lab, Output, golden, ok};
use serde_json::json;

/// `echo out; echo err >&2; exit 3`: Salt's capture of a failing command.
const FAILING: &str = "echo out; echo err >&2; exit 3";

#[test]
fn outputs_match_salts_captures() {
    let lab = Lab::builder()
        .minions(3)
        .minion_config("grains:\n  env: lab")
        .master_config("gather_job_timeout: 2")
        .start();

    // test.ping in the three layouts of the capture.
    same_blocks(lab.salt(&["*", "test.ping"]), "test.ping.nested.txt");
    exact(
        lab.salt(&["*", "test.ping", "--out", "json", "--static"]),
        "test.ping.json.txt",
    );
    same_blocks(
        lab.salt(&["*", "test.ping", "--out", "txt"]),
        "test.ping.txt.txt",
    );

    // A failing command: returns printed, the error and exit 1.
    exact(
        lab.salt(&["minion1", "cmd.run", FAILING]),
        "cmd.run.nested.txt",
    );
    let out = lab.salt(&["minion1", "cmd.run_all", FAILING, "--out", "json"]);
    let g = golden("cmd.run_all.json.txt");
    assert_eq!(mask_pid(&out.stdout), mask_pid(&g.stdout), "{out:?}");
    assert_eq!(out.stderr, g.stderr);
    assert_eq!(out.code, g.code);
    let pid = out.json()["minion1"]["pid"].as_u64().unwrap_or(0);
    assert!(pid > 0, "cmd.run_all reported no pid: {out:?}");

    // Errors and the other targets of the capture.
    exact(
        lab.salt(&["minion1", "no.such_function"]),
        "bad-function.txt",
    );
    same_blocks(
        lab.salt(&["-L", "minion1,minion3", "test.echo", "hello"]),
        "list-target.txt",
    );
    same_blocks(
        lab.salt(&["-G", "env:lab", "test.ping"]),
        "grain-target.txt",
    );
    same_blocks(
        lab.salt(&[
            "-C",
            "G@env:lab and ( minion1 or E@minion[23] )",
            "test.ping",
        ]),
        "compound-target.txt",
    );
    exact(lab.salt(&["nosuch", "test.ping"]), "no-target.txt");

    // yaml: one document per return, or one for all with --static.
    let out = ok(lab.salt(&["*", "test.ping", "--out", "yaml"]));
    assert_eq!(
        blocks(&out.stdout),
        blocks("minion1: true\nminion2: true\nminion3: true\n")
    );
    assert_eq!(
        ok(lab.salt(&["*", "test.ping", "--out", "yaml", "--static"])).stdout,
        "minion1: true\nminion2: true\nminion3: true\n"
    );
    assert_eq!(
        ok(lab.salt(&["minion2", "test.echo", "a b", "--out", "yaml"])).stdout,
        "minion2: a b\n"
    );

    // raw: Python's repr of each return.
    let out = ok(lab.salt(&["*", "test.ping", "--out", "raw"]));
    assert_eq!(
        blocks(&out.stdout),
        blocks("{'minion1': True}\n{'minion2': True}\n{'minion3': True}\n")
    );
    assert_eq!(
        ok(lab.salt(&["*", "test.ping", "--out", "raw", "--static"])).stdout,
        "{'minion1': True, 'minion2': True, 'minion3': True}\n"
    );
    assert_eq!(
        ok(lab.salt(&["minion1", "test.echo", "hi", "--out", "raw"])).stdout,
        "{'minion1': 'hi'}\n"
    );

    // quiet: nothing at all, the exit code still tells.
    let out = ok(lab.salt(&["*", "test.ping", "--out", "quiet"]));
    assert_eq!(out.stdout, "");
    let out = lab.salt(&["minion1", "cmd.run", FAILING, "--out", "quiet"]);
    assert_eq!(out.stdout, "", "{out:?}");
    assert_eq!(out.code, 1, "{out:?}");

    // --out-indent: json with 2 spaces, and on one line when negative.
    assert_eq!(
        ok(lab.salt(&[
            "*",
            "test.ping",
            "--out",
            "json",
            "--static",
            "--out-indent",
            "2"
        ]))
        .stdout,
        "{\n  \"minion1\": true,\n  \"minion2\": true,\n  \"minion3\": true\n}\n"
    );
    assert_eq!(
        ok(lab.salt(&[
            "*",
            "test.ping",
            "--out",
            "json",
            "--static",
            "--out-indent",
            "-1"
        ]))
        .stdout,
        "{\"minion1\": true, \"minion2\": true, \"minion3\": true}\n"
    );

    // --out-file: the file gets exactly what stdout would have had.
    let file = lab.root().join("out.json");
    let file_arg = file.display().to_string();
    let out = ok(lab.salt(&[
        "*",
        "test.ping",
        "--out",
        "json",
        "--static",
        "--out-file",
        &file_arg,
    ]));
    assert_eq!(out.stdout, "", "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&file).expect("--out-file written"),
        golden("test.ping.json.txt").stdout
    );
    // Overwritten by default, appended with --out-file-append.
    ok(lab.salt(&[
        "minion1",
        "test.echo",
        "one",
        "--out",
        "txt",
        "--out-file",
        &file_arg,
    ]));
    ok(lab.salt(&[
        "minion1",
        "test.echo",
        "two",
        "--out",
        "txt",
        "--out-file",
        &file_arg,
        "--out-file-append",
    ]));
    assert_eq!(
        std::fs::read_to_string(&file).expect("--out-file"),
        "minion1: one\nminion1: two\n"
    );

    // Colours: none when told (or when stdout is not a terminal), escape
    // codes when forced, and the same text once they are stripped.
    for args in [
        &["*", "test.ping"][..],
        &["minion1", "grains.item", "env"],
        &["minion1", "grains.item", "env", "--out", "json"],
    ] {
        let plain = ok(lab.salt(args));
        assert!(!plain.stdout.contains('\x1b'), "{plain:?}");
        let mut no = args.to_vec();
        no.push("--no-color");
        let no = ok(lab.salt(&no));
        assert!(!no.stdout.contains('\x1b'), "{no:?}");
        let mut forced = args.to_vec();
        forced.push("--force-color");
        let forced = ok(lab.salt(&forced));
        if args.contains(&"json") {
            // json is never coloured.
            assert_eq!(forced.stdout, no.stdout);
        } else {
            assert!(forced.stdout.contains("\x1b["), "{forced:?}");
            assert_eq!(
                blocks(&strip_ansi(&forced.stdout)),
                blocks(&no.stdout),
                "{args:?}"
            );
        }
    }
    // The non-static json prints one document per minion.
    let out = ok(lab.salt(&["-L", "minion1,minion2", "test.ping", "--out", "json"]));
    assert_eq!(
        blocks(&out.stdout),
        blocks("{\n    \"minion1\": true\n}\n{\n    \"minion2\": true\n}\n")
    );
    let v = ok(lab.salt(&["minion3", "test.echo", "x", "--out", "json", "--static"])).json();
    assert_eq!(v, json!({"minion3": "x"}));
}

// ---------------------------------------------------------------- helpers

/// stdout, stderr and the exit code equal the capture's, byte for byte.
fn exact(out: Output, name: &str) {
    let g = golden(name);
    assert_eq!(out.stdout, g.stdout, "{name}: {out:?}");
    assert_eq!(out.stderr, g.stderr, "{name}: {out:?}");
    assert_eq!(out.code, g.code, "{name}: {out:?}");
}

/// Like [`exact`], but stdout is compared as a multiset of per-minion
/// blocks (Salt printed the returns in the order they arrived).
fn same_blocks(out: Output, name: &str) {
    let g = golden(name);
    assert_eq!(blocks(&out.stdout), blocks(&g.stdout), "{name}: {out:?}");
    assert_eq!(out.stderr, g.stderr, "{name}: {out:?}");
    assert_eq!(out.code, g.code, "{name}: {out:?}");
}

/// Splits output into blocks, each starting at a line that is neither
/// indented nor a closing bracket, and counts them.
fn blocks(text: &str) -> BTreeMap<String, usize> {
    let mut out: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        let starts = !line.starts_with([' ', '}', ']']);
        match out.last_mut() {
            Some(b) if !starts => b.push_str(line),
            _ => out.push(line.to_owned()),
        }
    }
    let mut counts = BTreeMap::new();
    for b in out {
        *counts.entry(b).or_insert(0) += 1;
    }
    counts
}

/// Replaces the value of `"pid": N` with 0.
fn mask_pid(text: &str) -> String {
    text.lines()
        .map(|l| match l.split_once("\"pid\": ") {
            Some((head, tail)) => {
                let rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
                format!("{head}\"pid\": 0{rest}\n")
            }
            None => format!("{l}\n"),
        })
        .collect()
}

/// Removes ANSI colour sequences (`ESC [ ... m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
