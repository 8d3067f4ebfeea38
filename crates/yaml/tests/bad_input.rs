//! Hostile and broken documents: every one gives a clear error (or data),
//! never a panic, a hang, or gigabytes of copies.

use std::time::Instant;

use salt_yaml::{DumpStyle, Limits, dump, load, load_all, load_with};

/// The classic "billion laughs": nine levels of ten aliases each.
fn billion_laughs() -> String {
    let mut doc = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        let items = vec![prev; 10].join(", ");
        doc.push_str(&format!("a{i}: &a{i} [{items}]\n"));
    }
    doc
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let started = Instant::now();
    let err = load(&billion_laughs()).unwrap_err();
    assert!(err.message.contains("alias bomb"), "{err}");
    // At an alias that starts the copy, not inside the anchored data.
    assert!(err.line >= 2 && err.snippet.contains("*a"), "{err}");
    // Refused long before expanding (not a timing assertion on the loader,
    // a guard against an expansion that would take minutes).
    assert!(started.elapsed().as_secs() < 30);
}

#[test]
fn alias_budget_is_configurable_and_counts_only_copies() {
    // Reusing a block a few times is normal.
    let doc = "base: &b {user: root, group: root, mode: '0644'}\nf1: *b\nf2: *b\nf3: {<<: *b, mode: '0600'}\n";
    assert!(load(doc).is_ok());
    let tiny = Limits {
        max_alias_bytes: 64,
        ..Limits::default()
    };
    let err = load_with(doc, &tiny).unwrap_err();
    assert!(err.message.contains("more than 64 bytes"), "{err}");
    // The same data written out in full copies nothing.
    let plain = "f1: {user: root, group: root, mode: '0644'}\nf2: {user: root, group: root, mode: '0644'}\n";
    assert!(load_with(plain, &tiny).is_ok());
}

#[test]
fn long_string_aliased_many_times_is_refused() {
    let big = "x".repeat(1 << 20);
    let refs = vec!["*s"; 64].join(", ");
    let doc = format!("s: &s {big}\nl: [{refs}]\n");
    let err = load(&doc).unwrap_err();
    assert!(err.message.contains("alias bomb"), "{err}");
}

#[test]
fn deep_nesting_is_an_error() {
    for (open, close) in [("[", "]"), ("{a: ", "}")] {
        let doc = format!("{}1{}", open.repeat(10_000), close.repeat(10_000));
        let err = load(&doc).unwrap_err();
        assert_eq!(err.line, 1, "{err}");
    }
    let mut block = String::new();
    for i in 0..2_000 {
        block.push_str(&" ".repeat(i));
        block.push_str("a:\n");
    }
    assert!(load(&block).is_err());
}

#[test]
fn alias_chains_cannot_nest_past_the_depth_limit() {
    let mut doc = String::from("a0: &a0 [x]\n");
    for i in 1..1_000 {
        doc.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
    }
    let err = load(&doc).unwrap_err();
    assert!(err.message.contains("nested deeper than 512"), "{err}");
}

#[test]
fn merge_chains_are_fine_and_bounded() {
    let mut doc = String::from("m0: &m0 {k0: 0}\n");
    for i in 1..200 {
        doc.push_str(&format!("m{i}: &m{i} {{<<: *m{}, k{i}: {i}}}\n", i - 1));
    }
    let v = load(&doc).unwrap();
    assert_eq!(v["m199"].as_object().map(|m| m.len()), Some(200));
    assert_eq!(v["m199"]["k0"], 0);
}

#[test]
fn self_reference_is_an_error() {
    for doc in ["a: &a [*a]", "a: &a {b: *a}", "- &x\n  - *x\n"] {
        let err = load(doc).unwrap_err();
        assert!(err.message.contains("recursive alias"), "{doc}: {err}");
    }
}

#[test]
fn huge_integer_literals_do_not_stall() {
    let digits = "7".repeat(100_000);
    let v = load(&format!("a: {digits}")).unwrap();
    assert_eq!(v["a"].as_str().map(str::len), Some(100_000));
    let hex = format!("a: 0x{}", "f".repeat(100_000));
    assert!(load(&hex).is_err());
    let hex = format!("a: 0x{}", "f".repeat(100));
    assert!(load(&hex).unwrap()["a"].is_string());
}

#[test]
fn odd_characters_and_line_ends() {
    for doc in [
        "\0",
        "a: \0",
        "\u{feff}",
        "a: 1\u{feff}",
        "\r",
        "a:\rb: 1",
        "\u{85}",
        "a: \u{2028}b",
        "\u{fffe}",
        "---\n...\n...\n",
        "%YAML 1.1\n%YAML 1.1\n---\n",
        "%TAG ! !\n",
        "? ? ? ?",
        "- - - -",
        "&a &b x",
        "!a !b x",
        "*",
        "&",
        "!",
        "|",
        ">",
        "|-9\n x",
        "|0\n x",
        "\"\\u{d800}\"",
        "\"\\ud800\"",
        "'",
        "\"",
        "[",
        "{",
        "]",
        "}",
        "{[}]",
        "a: !!binary ====",
        "a: !!binary \u{e9}",
        "<<: *",
        "<<: [*a]",
        ": :",
        "::",
        "- :",
    ] {
        // Data or an error: either is fine; a panic is not.
        match load(doc) {
            Ok(_) => {}
            Err(e) => {
                assert!(e.line >= 1 && e.col >= 1, "{doc:?}: {e:?}");
                assert!(!e.message.is_empty(), "{doc:?}");
            }
        }
        let _ = load_all(doc);
    }
}

#[test]
fn error_snippet_is_the_offending_line() {
    let err = load("a: 1\nb: [1, 2\n").unwrap_err();
    assert_eq!((err.line, err.col), (2, 4));
    assert_eq!(err.snippet, "b: [1, 2");
    let shown = err.to_string();
    assert!(shown.starts_with("line 2, column 4: "), "{shown}");
    assert!(shown.ends_with("\n  b: [1, 2\n     ^"), "{shown}");

    let dup = load("pkgs:\n  vim: 1\n  vim: 2\n").unwrap_err();
    assert_eq!(
        (dup.line, dup.col, dup.snippet.as_str()),
        (3, 3, "  vim: 2")
    );
    assert_eq!(dup.message, "found conflicting ID 'vim'");
}

/// Mutations of realistic documents (deterministic: a fixed seed).
#[test]
fn mutated_documents_never_panic() {
    let seeds = [
        "nginx:\n  pkg.installed: []\n  service.running:\n    - require:\n      - pkg: nginx\n",
        "a: &x {p: 1, q: [1, 2]}\nb:\n  <<: *x\n  r: |\n    text\n    more\n",
        "- !!set {a, b}\n- !!pairs [x: 1]\n- !!binary aGk=\n- \"\\u00e9\\t\"\n- 'it''s'\n",
        "%TAG !e! tag:yaml.org,2002:\n--- !e!map\n? [a]\n: >-\n  folded\n...\n",
    ];
    let alphabet: Vec<char> = " \n\t:-?[]{},&*!|>'\"%@`#<=~\\0aZ\u{e9}\r"
        .chars()
        .collect();
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        usize::try_from(rng % n as u64).unwrap_or(0)
    };
    for round in 0..3_000 {
        let mut chars: Vec<char> = seeds[round % seeds.len()].chars().collect();
        for _ in 0..=next(4) {
            let at = next(chars.len() + 1);
            match next(3) {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                1 if at < chars.len() => chars[at] = alphabet[next(alphabet.len())],
                _ => chars.insert(at.min(chars.len()), alphabet[next(alphabet.len())]),
            }
        }
        let doc: String = chars.into_iter().collect();
        match load(&doc) {
            Err(e) => assert!(e.line >= 1 && e.col >= 1, "{doc:?}: {e:?}"),
            // Whatever loads, dumps to YAML that loads back the same.
            Ok(v) => {
                for style in [DumpStyle::Block, DumpStyle::Flow, DumpStyle::Default] {
                    let text = dump(&v, style);
                    assert_eq!(load(&text).ok().as_ref(), Some(&v), "{doc:?} -> {text:?}");
                }
            }
        }
    }
}
