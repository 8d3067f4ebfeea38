//! Fuzzes `salt_yaml::load` and `load_all` (SLS and pillar text after
//! Jinja) with small budgets, so alias bombs are refused fast. Asserts: no
//! panic, no stack overflow, errors point inside the text (1-based line and
//! column, the snippet is that line), and whatever loads dumps in each style
//! to YAML that loads back to the same data.

#![no_main]

use libfuzzer_sys::fuzz_target;
use salt_yaml::{DumpStyle, Limits};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_alias_bytes: 1 << 16,
        max_depth: 128,
    };
    match salt_yaml::load_with(text, &limits) {
        Ok(value) => {
            for style in [DumpStyle::Block, DumpStyle::Flow, DumpStyle::Default] {
                let dumped = salt_yaml::dump(&value, style);
                let back = salt_yaml::load(&dumped);
                assert_eq!(
                    back.as_ref().ok(),
                    Some(&value),
                    "{style:?} dump does not load back: {dumped:?} -> {back:?}"
                );
            }
        }
        Err(e) => {
            let lines = text.split(['\n', '\r']).count().max(1);
            assert!(
                e.line >= 1 && e.line <= lines + 1,
                "line {} of {lines}: {e:?}",
                e.line
            );
            assert!(e.col >= 1, "{e:?}");
            assert!(!e.message.is_empty());
        }
    }
    let _ = salt_yaml::load_all(text);
});
