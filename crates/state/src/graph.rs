//! `state.show_graph` (ours, not Salt's): the requisite graph of compiled
//! chunks as Graphviz DOT. One node per chunk (ID, `module.function`, and
//! the name when it differs from the ID); one edge per requisite, drawn
//! from the target to the state that depends on it (the direction things
//! run), labelled with the requisite kind. Requisite-ins appear as the
//! plain requisites they became; a target that matches nothing appears as
//! a red "missing" node.
//!
//! ```text
//! salt-rs-call --local state.show_graph web | dot -Tsvg > web.svg
//! ```

use std::fmt::Write;

use serde_json::Value;

use crate::LowChunk;
use crate::run::requisite_targets;

/// Requisite kinds drawn, with their edge style.
const KINDS: &[(&str, &str)] = &[
    ("require", ""),
    ("require_any", "style=dashed"),
    ("watch", "color=blue"),
    ("watch_any", "color=blue, style=dashed"),
    ("onchanges", "color=darkgreen"),
    ("onchanges_any", "color=darkgreen, style=dashed"),
    ("onfail", "color=red"),
    ("onfail_any", "color=red, style=dashed"),
    ("onfail_all", "color=red, style=bold"),
    ("prereq", "color=purple"),
    ("listen", "color=orange"),
];

/// The DOT text of the chunks' requisite graph.
pub fn to_dot(chunks: &[LowChunk]) -> String {
    let mut out = String::from("digraph states {\n  rankdir=LR;\n  node [shape=box];\n");
    for c in chunks {
        let mut label = format!("{}\\n{}", escape(c.id()), escape(&c.full()));
        let name = c.name_str();
        if name != c.id() {
            let _ = write!(label, "\\nname: {}", escape(&name));
        }
        let _ = writeln!(out, "  \"{}\" [label=\"{label}\"];", escape(&c.tag()));
    }
    let mut missing: Vec<String> = Vec::new();
    for c in chunks {
        for (kind, style) in KINDS {
            for (req, found) in requisite_targets(chunks, c, kind) {
                if found.is_empty() {
                    let node = format!("missing {req}");
                    if !missing.contains(&node) {
                        let _ = writeln!(
                            out,
                            "  \"{}\" [label=\"missing\\n{}\", color=red, style=dashed];",
                            escape(&node),
                            escape(&req)
                        );
                        missing.push(node.clone());
                    }
                    edge(&mut out, &node, &c.tag(), kind, style);
                }
                for t in found {
                    edge(&mut out, &chunks[t].tag(), &c.tag(), kind, style);
                }
            }
        }
        for l_in in c
            .get("listen_in")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some((key, val)) = l_in.as_object().and_then(|m| m.iter().next()) else {
                continue;
            };
            let val = crate::pyrepr::py_str(val);
            for t in chunks
                .iter()
                .filter(|t| t.state() == key && (t.id() == val || t.name_str() == val))
            {
                edge(&mut out, &c.tag(), &t.tag(), "listen", "color=orange");
            }
        }
    }
    out.push_str("}\n");
    out
}

fn edge(out: &mut String, from: &str, to: &str, kind: &str, style: &str) {
    let sep = if style.is_empty() { "" } else { ", " };
    let _ = writeln!(
        out,
        "  \"{}\" -> \"{}\" [label=\"{kind}\"{sep}{style}];",
        escape(from),
        escape(to)
    );
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{HighData, compile};
    use serde_json::json;

    #[test]
    fn draws_requisites_from_target_to_dependent() {
        let high = HighData::from_value(json!({
            "conf": {"test": ["succeed_with_changes", {"watch_in": [{"test": "svc"}]}], "__sls__": "s", "__env__": "base"},
            "svc": {"test": ["nop", {"name": "nginx"}, {"require": ["pkg", {"test": "gone"}]}], "__sls__": "s", "__env__": "base"},
            "pkg": {"test": ["nop"], "__sls__": "s", "__env__": "base"},
        }))
        .unwrap();
        let chunks = compile(high).unwrap().chunks;
        let dot = to_dot(&chunks);
        let want = "digraph states {
  rankdir=LR;
  node [shape=box];
  \"test_|-conf_|-conf_|-succeed_with_changes\" [label=\"conf\\ntest.succeed_with_changes\"];
  \"test_|-svc_|-nginx_|-nop\" [label=\"svc\\ntest.nop\\nname: nginx\"];
  \"test_|-pkg_|-pkg_|-nop\" [label=\"pkg\\ntest.nop\"];
  \"test_|-pkg_|-pkg_|-nop\" -> \"test_|-svc_|-nginx_|-nop\" [label=\"require\"];
  \"missing test: gone\" [label=\"missing\\ntest: gone\", color=red, style=dashed];
  \"missing test: gone\" -> \"test_|-svc_|-nginx_|-nop\" [label=\"require\"];
  \"test_|-conf_|-conf_|-succeed_with_changes\" -> \"test_|-svc_|-nginx_|-nop\" [label=\"watch\", color=blue];
}
";
        assert_eq!(dot, want);
    }
}
