//! Fuzzes `salt_target::Target::compile` on strings from the local socket:
//! the first byte picks the target type, the rest is the expression (also
//! tried as a compound word list, one word per line). Compiled targets are
//! matched against fixed facts; nodegroups are expanded first, as the
//! master does. Asserts: no panic, no stack overflow, and that matching is
//! deterministic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use salt_rs_fuzz::{facts_grains, facts_pillar, nodegroups};
use salt_target::{Facts, Target, TargetExpr, TargetType};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(s) = std::str::from_utf8(rest) else {
        return;
    };
    let tt = TargetType::ALL[usize::from(first) % TargetType::ALL.len()];
    let delimiter = if first >= 128 { "|" } else { ":" };
    let mut t = Target::new(s, tt);
    t.delimiter = delimiter.to_owned();
    check(&t);
    let words = Target {
        tgt: TargetExpr::Many(s.split('\n').map(str::to_owned).collect()),
        tgt_type: if tt == TargetType::List {
            tt
        } else {
            TargetType::Compound
        },
        delimiter: delimiter.to_owned(),
    };
    check(&words);
});

fn check(t: &Target) {
    let t = match salt_target::expand_nodegroups(t, &nodegroups()) {
        Ok(t) => t,
        Err(_) => t.clone(),
    };
    let Ok(c) = t.compile() else {
        return;
    };
    let grains = facts_grains();
    let pillar = facts_pillar();
    for id in ["web-01", "db1", "x", ""] {
        let facts = Facts {
            id,
            grains: &grains,
            pillar: Some(&pillar),
        };
        let m = c.matches(&facts);
        assert_eq!(m, c.matches(&facts), "matching is not deterministic");
        let _ = c.matches(&Facts {
            id,
            grains: &serde_json::Value::Null,
            pillar: None,
        });
    }
    let _ = (c.needs_grains(), c.needs_pillar());
}
