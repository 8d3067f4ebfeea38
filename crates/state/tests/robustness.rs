//! Malformed high data must give errors or failed states, never a panic:
//! hand-picked shapes Salt itself crashes on, then a few thousand random
//! Salt-like trees (a fixed-seed generator, so failures reproduce).

mod common;

use serde_json::{Map, Value, json};

use salt_state::{HighData, RunOptions, SlsCompiler, compile, compile_low_sls, graph, run_chunks};

fn exercise(v: Value) {
    let Ok(high) = HighData::from_value(v) else {
        return;
    };
    let _ = compile_low_sls(&high);
    if let Ok(c) = compile(high) {
        let _ = graph::to_dot(&c.chunks);
        let exec = common::TestExec::new(std::path::Path::new("/"));
        for test in [false, true] {
            let opts = RunOptions {
                test,
                ..RunOptions::default()
            };
            let _ = run_chunks(c.chunks.clone(), &opts, &exec);
        }
    }
}

#[test]
fn shapes_salt_crashes_on_are_handled() {
    let weird = [
        json!({"a": {"test": ["nop", {}]}}),
        json!({"a": {"test": ["nop", {"require": [[1], {}, null, 5, {"test": null}]}]}}),
        json!({"a": {"test": ["nop", {"onfail": "b"}, {"onchanges_any": {"test": "b"}}]}, "b": {"test": ["nop"]}}),
        json!({"a": {"test": ["nop", {"names": [{"x": {"not": "a list"}}, {}, null, [1]]}]}}),
        json!({"a": {"test": ["nop", {"require_in": [5, null, "nope", {"test": ["x"]}]}]}}),
        json!({"a": {"test": ["nop", {"use": [{"test": "a"}]}, {"use_in": "a"}]}}),
        json!({"a": {"test": ["nop", {"prereq": [{"sls": "x"}]}, {"prereq_in": [{"sls": null}]}]}, "__exclude__": "x"}),
        json!({"__extend__": [{"a": {}}, 5, {"b": 7}], "a": {"test": ["nop"]}}),
        json!({"__extend__": "x", "__exclude__": [5, {"sls": 1}, {"id": null}]}),
        json!({"a": {"test": ["nop", {"listen": [5, {"test": 7}]}, {"listen_in": ["x", 5]}]}}),
        json!({"a": {"test": ["nop", {"onlyif": [{}, 5, null, {"fun": 5}]}, {"unless": []}, {"creates": 5}]}}),
        json!({"a": {"test": ["nop", {"retry": {"attempts": 1e300, "interval": -5, "splay": -1}}]}}),
        json!({"a": {"test": ["fail_without_changes", {"retry": {"attempts": 9_000_000_000_000_000_000u64, "interval": 0}}]}}),
        json!({"a": {"test": ["fail_without_changes", {"retry": {"attempts": 5_000_000, "interval": 0}}]}}),
        json!({"a": {"test": ["nop", {"check_cmd": [5, "true"]}, {"umask": [1]}, {"order": {"x": 1}}]}}),
        json!({"a": {"test": ["nop", {"order": -9223372036854775807i64}]}, "b": {"test": ["nop", {"order": 9223372036854775807i64}]}}),
        json!({"a": {"test": ["mod_watch", {"changes": 5}]}}),
    ];
    for w in weird {
        exercise(w);
    }
}

/// A tiny fixed-seed generator of Salt-shaped values.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }

    fn scalar(&mut self) -> Value {
        match self.next() % 6 {
            0 => Value::Null,
            1 => json!(self.next().is_multiple_of(3)),
            2 => json!(self.next() % 5),
            3 => json!(self.pick(&["a", "b", "c", "s", "t*", "test", "main", "x.y"])),
            4 => json!(-((self.next() % 3) as i64)),
            _ => json!(self.pick(&["first", "last", "true", "false"])),
        }
    }

    fn value(&mut self, depth: u32) -> Value {
        if depth == 0 || self.next().is_multiple_of(3) {
            return self.scalar();
        }
        match self.next() % 3 {
            0 => Value::Array(
                (0..self.next() % 3)
                    .map(|_| self.value(depth - 1))
                    .collect(),
            ),
            1 => {
                let mut m = Map::new();
                let key = self
                    .pick(&["test", "sls", "id", "a", "b", "name"])
                    .to_owned();
                m.insert(key, self.value(depth - 1));
                Value::Object(m)
            }
            _ => self.scalar(),
        }
    }

    fn arg(&mut self) -> Value {
        if self.next().is_multiple_of(4) {
            return json!(self.pick(&[
                "nop",
                "succeed_with_changes",
                "fail_without_changes",
                "mod_watch"
            ]));
        }
        let key = self.pick(&[
            "require",
            "watch",
            "onchanges",
            "onfail",
            "prereq",
            "use",
            "listen",
            "require_in",
            "watch_in",
            "prereq_in",
            "use_in",
            "listen_in",
            "onfail_any",
            "onfail_all",
            "require_any",
            "names",
            "name",
            "order",
            "onlyif",
            "unless",
            "creates",
            "retry",
            "failhard",
            "comment",
            "changes",
            "result",
        ]);
        let mut m = Map::new();
        m.insert(key.to_owned(), self.value(3));
        Value::Object(m)
    }

    fn high(&mut self) -> Value {
        let mut high = Map::new();
        for id in ["a", "b", "c", "d"] {
            if self.next().is_multiple_of(5) {
                continue;
            }
            let mut body = Map::new();
            let decl: Vec<Value> = (0..1 + self.next() % 4).map(|_| self.arg()).collect();
            body.insert(
                self.pick(&["test", "test", "other"]).to_owned(),
                Value::Array(decl),
            );
            body.insert("__sls__".into(), json!(self.pick(&["main", "s", "t"])));
            body.insert("__env__".into(), json!("base"));
            high.insert(id.to_owned(), Value::Object(body));
        }
        if self.next().is_multiple_of(4) {
            high.insert(
                "__extend__".into(),
                json!([{ "a": {"test": [self.arg()], "__sls__": "s"} }]),
            );
        }
        if self.next().is_multiple_of(4) {
            high.insert("__exclude__".into(), json!([self.scalar()]));
        }
        Value::Object(high)
    }
}

#[test]
fn random_salt_like_trees_never_panic() {
    let mut g = Gen(0x5a17);
    for _ in 0..1500 {
        exercise(g.high());
    }
}

#[test]
fn random_rendered_files_never_panic() {
    struct One(Value);
    impl salt_state::SlsSource for One {
        fn available(&self, _: &str) -> Option<Vec<String>> {
            Some(vec!["main".into(), "other".into()])
        }
        fn render(&self, sls: &str, _: &str) -> Result<Option<salt_state::Rendered>, String> {
            let data = if sls == "main" {
                self.0.clone()
            } else {
                json!({"o": "test.nop"})
            };
            Ok(Some(salt_state::Rendered {
                data,
                from_init: false,
            }))
        }
    }
    let mut g = Gen(0xbeef);
    for _ in 0..500 {
        let mut v = g.high();
        if let Value::Object(m) = &mut v {
            m.insert("include".into(), g.value(2));
            m.insert("extend".into(), g.value(3));
            m.insert("exclude".into(), g.value(2));
        }
        let source = One(v);
        let _ = SlsCompiler::new(&source).show_sls("base", &["main".into()]);
    }
}
