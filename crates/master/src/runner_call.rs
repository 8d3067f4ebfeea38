//! The closed list of `salt-rs-run` functions: [`RunnerCall::parse`] binds a
//! runner name and Salt-style arguments (positional values, `key=value`
//! pairs) to one typed variant, once, at the edge. An unknown runner is
//! "'x.y' is not available.", as in Salt; an unknown keyword, or one given
//! twice, is an error naming it (Salt's runners would swallow a typo).
//!
//! Parameters that only make sense for Salt's implementation are accepted
//! and ignored where ignoring them cannot change the answer
//! (`display_progress`, `outputter`, and `timeout`/`gather_job_timeout` of
//! `manage.*`, which answer from presence instead of pinging).

use salt_exec::truthy;
use salt_jobs::JobFilter;
use salt_target::{Target, TargetType};
use serde_json::{Map, Value};

/// One parsed runner call.
#[derive(Debug, Clone, PartialEq)]
pub enum RunnerCall {
    LookupJid {
        jid: String,
        missing: bool,
    },
    ListJobs(ListJobs),
    ListJob {
        jid: String,
    },
    ExitSuccess {
        jid: String,
    },
    Active,
    LastRun(JobFilter),
    Manage {
        fun: Manage,
        target: Target,
        removekeys: bool,
    },
}

/// `jobs.list_jobs`' filter: globs for the store, the time window as job
/// ids (see [`salt_jobs::time_bound`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListJobs {
    pub filter: JobFilter,
    pub start: Option<String>,
    pub end: Option<String>,
}

/// The `manage.*` functions, all answered from presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manage {
    Status,
    Up,
    Down,
    Present,
    NotPresent,
    Alived,
    NotAlived,
    Versions,
}

/// Every runner name, sorted (for messages and docs).
pub const RUNNERS: &[&str] = &[
    "jobs.active",
    "jobs.exit_success",
    "jobs.last_run",
    "jobs.list_job",
    "jobs.list_jobs",
    "jobs.lookup_jid",
    "manage.alived",
    "manage.down",
    "manage.not_alived",
    "manage.not_present",
    "manage.present",
    "manage.status",
    "manage.up",
    "manage.versions",
    "state.event",
];

/// Arguments bound to parameter names.
struct Args {
    fun: String,
    named: Map<String, Value>,
}

impl Args {
    /// Binds positionals to `params` in order, then keywords; refuses
    /// unknown and repeated names and surplus positionals.
    fn bind(
        fun: &str,
        params: &[&str],
        arg: Vec<Value>,
        kwarg: Map<String, Value>,
    ) -> Result<Self, String> {
        if arg.len() > params.len() {
            return Err(format!(
                "{fun} takes at most {} positional argument(s), {} given",
                params.len(),
                arg.len()
            ));
        }
        let mut named: Map<String, Value> = params
            .iter()
            .zip(arg)
            .map(|(p, v)| ((*p).to_owned(), v))
            .collect();
        for (k, v) in kwarg {
            if !params.contains(&k.as_str()) {
                return Err(format!(
                    "{fun}: unknown argument {k}={}; it takes {}",
                    text(&v),
                    params.join(", ")
                ));
            }
            if named.insert(k.clone(), v).is_some() {
                return Err(format!("{fun}: {k} given twice"));
            }
        }
        Ok(Self {
            fun: fun.to_owned(),
            named,
        })
    }

    fn text(&self, name: &str) -> Option<String> {
        self.named.get(name).filter(|v| !v.is_null()).map(text)
    }

    fn required(&self, name: &str) -> Result<String, String> {
        self.text(name)
            .ok_or_else(|| format!("{} needs a {name}", self.fun))
    }

    fn flag(&self, name: &str) -> bool {
        self.named.get(name).is_some_and(truthy)
    }

    /// `ext_source` names another job cache: only the default one exists.
    fn no_ext_source(&self) -> Result<(), String> {
        match self.text("ext_source") {
            None => Ok(()),
            Some(s) => Err(format!(
                "{}: ext_source={s}: salt-rs has one job cache (the master's); leave ext_source out",
                self.fun
            )),
        }
    }
}

impl RunnerCall {
    /// Parses `fun` with its arguments.
    pub fn parse(fun: &str, arg: Vec<Value>, kwarg: Map<String, Value>) -> Result<Self, String> {
        let manage = |m: Manage,
                      params: &[&str],
                      arg: Vec<Value>,
                      kwarg: Map<String, Value>|
         -> Result<RunnerCall, String> {
            let a = Args::bind(fun, params, arg, kwarg)?;
            let tgt = a.text("tgt").unwrap_or_else(|| "*".into());
            let tgt_type = match a.text("tgt_type") {
                None => TargetType::Glob,
                Some(t) => t.parse::<TargetType>().map_err(|e| format!("{fun}: {e}"))?,
            };
            Ok(RunnerCall::Manage {
                fun: m,
                target: Target::new(tgt, tgt_type),
                removekeys: a.flag("removekeys"),
            })
        };
        const MANAGE: &[&str] = &["tgt", "tgt_type", "timeout", "gather_job_timeout"];
        Ok(match fun {
            "jobs.lookup_jid" => {
                let a = Args::bind(
                    fun,
                    &[
                        "jid",
                        "ext_source",
                        "returned",
                        "missing",
                        "display_progress",
                    ],
                    arg,
                    kwarg,
                )?;
                a.no_ext_source()?;
                RunnerCall::LookupJid {
                    jid: a.required("jid")?,
                    missing: a.flag("missing"),
                }
            }
            "jobs.list_jobs" => {
                let a = Args::bind(
                    fun,
                    &[
                        "ext_source",
                        "outputter",
                        "search_metadata",
                        "search_function",
                        "search_target",
                        "start_time",
                        "end_time",
                        "display_progress",
                    ],
                    arg,
                    kwarg,
                )?;
                a.no_ext_source()?;
                if a.text("search_metadata").is_some() {
                    return Err(
                        "jobs.list_jobs: search_metadata is not supported (jobs carry no metadata in salt-rs)"
                            .into(),
                    );
                }
                let bound = |k: &str| {
                    a.text(k)
                        .map(|v| salt_jobs::time_bound(&v).map_err(|e| format!("{k}: {e}")))
                        .transpose()
                };
                RunnerCall::ListJobs(ListJobs {
                    filter: JobFilter {
                        search_function: a.text("search_function"),
                        search_target: a.text("search_target"),
                        ..JobFilter::default()
                    },
                    start: bound("start_time")?,
                    end: bound("end_time")?,
                })
            }
            "jobs.list_job" => {
                let a = Args::bind(fun, &["jid", "ext_source", "display_progress"], arg, kwarg)?;
                a.no_ext_source()?;
                RunnerCall::ListJob {
                    jid: a.required("jid")?,
                }
            }
            "jobs.exit_success" => {
                let a = Args::bind(fun, &["jid", "ext_source"], arg, kwarg)?;
                a.no_ext_source()?;
                RunnerCall::ExitSuccess {
                    jid: a.required("jid")?,
                }
            }
            "jobs.active" => {
                Args::bind(fun, &["display_progress"], arg, kwarg)?;
                RunnerCall::Active
            }
            "jobs.last_run" => {
                let a = Args::bind(
                    fun,
                    &[
                        "ext_source",
                        "outputter",
                        "metadata",
                        "function",
                        "target",
                        "display_progress",
                    ],
                    arg,
                    kwarg,
                )?;
                a.no_ext_source()?;
                if a.text("metadata").is_some() {
                    return Err("jobs.last_run: metadata is not supported (jobs carry no metadata in salt-rs)".into());
                }
                RunnerCall::LastRun(JobFilter {
                    search_function: a.text("function"),
                    search_target: a.text("target"),
                    ..JobFilter::default()
                })
            }
            "manage.status" => {
                let p = [&["output"], MANAGE].concat();
                manage(Manage::Status, &p, arg, kwarg)?
            }
            "manage.down" => {
                let p = [&["removekeys"], MANAGE].concat();
                manage(Manage::Down, &p, arg, kwarg)?
            }
            "manage.up" => manage(Manage::Up, MANAGE, arg, kwarg)?,
            "manage.present" => manage(Manage::Present, &["subset", "show_ip"], arg, kwarg)?,
            "manage.not_present" => manage(Manage::NotPresent, &["subset", "show_ip"], arg, kwarg)?,
            "manage.alived" => manage(Manage::Alived, &["subset", "show_ip"], arg, kwarg)?,
            "manage.not_alived" => manage(Manage::NotAlived, &["subset", "show_ip"], arg, kwarg)?,
            "manage.versions" => manage(Manage::Versions, &[], arg, kwarg)?,
            "state.event" => {
                return Err(
                    "state.event streams events: run it with salt-rs-run, which tails the bus"
                        .into(),
                );
            }
            other => return Err(format!("'{other}' is not available.")),
        })
    }
}

pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kw(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn binds_positionals_and_keywords() {
        assert_eq!(
            RunnerCall::parse(
                "jobs.lookup_jid",
                vec![json!("20261121210508967619")],
                kw(json!({"missing": "True"}))
            ),
            Ok(RunnerCall::LookupJid {
                jid: "20261121210508967619".into(),
                missing: true
            })
        );
        let RunnerCall::ListJobs(l) = RunnerCall::parse(
            "jobs.list_jobs",
            vec![],
            kw(json!({"search_function": "test.*", "start_time": "2026-11-21"})),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(l.filter.search_function.as_deref(), Some("test.*"));
        assert_eq!(l.start.as_deref(), Some("20261121000000000000"));
        assert_eq!(
            RunnerCall::parse("manage.down", vec![], kw(json!({"removekeys": true}))),
            Ok(RunnerCall::Manage {
                fun: Manage::Down,
                target: Target::new("*", TargetType::Glob),
                removekeys: true
            })
        );
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        let e = RunnerCall::parse("jobs.nothing", vec![], Map::new()).unwrap_err();
        assert_eq!(e, "'jobs.nothing' is not available.");
        let e = RunnerCall::parse(
            "jobs.lookup_jid",
            vec![json!("1")],
            kw(json!({"mising": true})),
        )
        .unwrap_err();
        assert!(e.contains("unknown argument mising=true"), "{e}");
        let e = RunnerCall::parse("jobs.lookup_jid", vec![json!("1")], kw(json!({"jid": "2"})))
            .unwrap_err();
        assert!(e.contains("jid given twice"), "{e}");
        let e = RunnerCall::parse("jobs.lookup_jid", vec![], Map::new()).unwrap_err();
        assert!(e.contains("needs a jid"), "{e}");
        let e = RunnerCall::parse("jobs.active", vec![json!(1), json!(2)], Map::new()).unwrap_err();
        assert!(e.contains("at most 1 positional"), "{e}");
        let e = RunnerCall::parse("jobs.list_jobs", vec![], kw(json!({"ext_source": "mysql"})))
            .unwrap_err();
        assert!(e.contains("ext_source"), "{e}");
        let e =
            RunnerCall::parse("manage.up", vec![], kw(json!({"tgt_type": "bogus"}))).unwrap_err();
        assert!(e.contains("manage.up"), "{e}");
        assert!(RUNNERS.windows(2).all(|w| w[0] < w[1]), "sorted");
    }
}
