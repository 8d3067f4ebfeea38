//! `sys.*`: what this minion can run, from the registry itself.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::registry::{docs_matching, fnmatch};
use crate::{Ctx, ExecError, ExecFn, de, list_functions};

/// `sys.list_functions *modules`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListFunctions {
    args: Vec<Value>,
}

impl ExecFn for ListFunctions {
    const POSITIONAL: &'static [&'static str] = &[];
    const VARARGS: bool = true;
    const DOC: &'static str = "List the functions of the named modules (all without arguments); a name with '*' or '.' is a glob.\n\nCLI Example:\n\n    salt '*' sys.list_functions\n    salt '*' sys.list_functions sys\n    salt '*' sys.list_functions 'sys.list_*'\n";
    type Output = Vec<String>;

    async fn call(self, _cx: &Ctx) -> Result<Vec<String>, ExecError> {
        let names = list_functions();
        if self.args.is_empty() {
            return Ok(names.iter().map(|s| s.to_string()).collect());
        }
        let patterns = texts(&self.args)?;
        let mut out: Vec<String> = names
            .iter()
            .filter(|n| {
                patterns.iter().any(|p| {
                    if p.contains(['*', '.']) {
                        fnmatch(p, n)
                    } else {
                        n.starts_with(&format!("{p}."))
                    }
                })
            })
            .map(|s| s.to_string())
            .collect();
        out.sort_unstable();
        Ok(out)
    }
}

/// `sys.doc *names`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Doc {
    args: Vec<Value>,
}

impl ExecFn for Doc {
    const POSITIONAL: &'static [&'static str] = &[];
    const VARARGS: bool = true;
    const DOC: &'static str = "Return {function: documentation} for a module, a function or a glob (all without arguments).\n\nCLI Example:\n\n    salt '*' sys.doc\n    salt '*' sys.doc test\n    salt '*' sys.doc test.ping\n    salt '*' sys.doc 'cmd.run*'\n";
    type Output = Map<String, Value>;

    async fn call(self, _cx: &Ctx) -> Result<Map<String, Value>, ExecError> {
        if self.args.is_empty() {
            return Ok(docs_matching("*"));
        }
        let mut out = Map::new();
        for p in texts(&self.args)? {
            let docs = if p.contains('*') {
                docs_matching(&p)
            } else {
                let prefix = if p.ends_with('.') {
                    p.clone()
                } else {
                    format!("{p}.")
                };
                let mut d = docs_matching(&format!("{prefix}*"));
                d.extend(docs_matching(&p));
                d
            };
            out.extend(docs);
        }
        Ok(out)
    }
}

fn texts(args: &[Value]) -> Result<Vec<String>, ExecError> {
    args.iter()
        .map(|a| {
            de::scalar_text(a)
                .ok_or_else(|| ExecError::invocation(format!("expected a name, got {a}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::{run_in, test_ctx};
    use serde_json::json;

    #[tokio::test]
    async fn list_functions_by_module_and_glob() {
        let cx = test_ctx();
        let all = run_in(&cx, "sys.list_functions", json!([]), json!({}))
            .await
            .ret;
        assert_eq!(all.as_array().map(Vec::len), Some(list_functions().len()));
        let sys = run_in(&cx, "sys.list_functions", json!(["sys"]), json!({}))
            .await
            .ret;
        assert_eq!(sys, json!(["sys.doc", "sys.list_functions"]));
        let g = run_in(&cx, "sys.list_functions", json!(["cmd.run*"]), json!({}))
            .await
            .ret;
        assert_eq!(g, json!(["cmd.run", "cmd.run_all", "cmd.run_stdout"]));
        let none = run_in(&cx, "sys.list_functions", json!(["tes"]), json!({}))
            .await
            .ret;
        assert_eq!(none, json!([]));
    }

    #[tokio::test]
    async fn doc_by_module_function_and_glob() {
        let cx = test_ctx();
        let d = run_in(&cx, "sys.doc", json!(["test.ping"]), json!({}))
            .await
            .ret;
        let m = d.as_object().cloned().unwrap_or_default();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["test.ping"]);
        assert!(
            m["test.ping"]
                .as_str()
                .unwrap_or("")
                .contains("salt '*' test.ping")
        );
        let d = run_in(&cx, "sys.doc", json!(["grains"]), json!({}))
            .await
            .ret;
        assert_eq!(d.as_object().map(Map::len), Some(5));
        let d = run_in(&cx, "sys.doc", json!([]), json!({})).await.ret;
        assert_eq!(d.as_object().map(Map::len), Some(list_functions().len()));
    }
}
