//! The search filters of `jobs.list_jobs` / `jobs.last_run`, kept apart from
//! storage so every [`crate::JobStore`] matches jobs the same way as Salt:
//! comma-separated shell globs on the function and on each target, and a
//! start-time window.

use globset::{Glob, GlobMatcher};
use serde_json::Value;
use time::OffsetDateTime;

use crate::{JobError, PublishRecord};

/// Which jobs to list. Empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Comma-separated globs on the function name (`search_function`).
    pub search_function: Option<String>,
    /// Comma-separated globs on the target, or on any element of a list
    /// target (`search_target`).
    pub search_target: Option<String>,
    /// Only jobs started at or after this time.
    pub start_time: Option<OffsetDateTime>,
    /// Only jobs started at or before this time.
    pub end_time: Option<OffsetDateTime>,
}

impl JobFilter {
    /// Compiles the glob parts; fails on an invalid pattern.
    pub(crate) fn compile(&self) -> Result<CompiledFilter, JobError> {
        Ok(CompiledFilter {
            functions: compile_list(self.search_function.as_deref())?,
            targets: compile_list(self.search_target.as_deref())?,
            start_time: self.start_time,
            end_time: self.end_time,
        })
    }
}

/// A [`JobFilter`] with its globs compiled.
#[derive(Debug)]
pub(crate) struct CompiledFilter {
    functions: Option<Vec<GlobMatcher>>,
    targets: Option<Vec<GlobMatcher>>,
    pub(crate) start_time: Option<OffsetDateTime>,
    pub(crate) end_time: Option<OffsetDateTime>,
}

impl CompiledFilter {
    /// Whether `job` passes every part of the filter.
    pub(crate) fn matches(&self, job: &PublishRecord) -> bool {
        if self.start_time.is_some_and(|t| job.start_time < t)
            || self.end_time.is_some_and(|t| job.start_time > t)
        {
            return false;
        }
        if let Some(globs) = &self.functions
            && !globs.iter().any(|g| g.is_match(&job.fun))
        {
            return false;
        }
        if let Some(globs) = &self.targets {
            let targets: Vec<String> = match &job.tgt {
                Value::String(s) => vec![s.clone()],
                Value::Array(items) => items.iter().map(value_text).collect(),
                other => vec![value_text(other)],
            };
            if !targets.iter().any(|t| globs.iter().any(|g| g.is_match(t))) {
                return false;
            }
        }
        true
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn compile_list(spec: Option<&str>) -> Result<Option<Vec<GlobMatcher>>, JobError> {
    let Some(spec) = spec else { return Ok(None) };
    let mut out = Vec::new();
    for pattern in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let glob = Glob::new(pattern).map_err(|e| JobError::Pattern {
            pattern: pattern.to_owned(),
            reason: e.to_string(),
        })?;
        out.push(glob.compile_matcher());
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(fun: &str, tgt: Value, secs: i64) -> PublishRecord {
        PublishRecord {
            jid: "20260101000000000000".into(),
            fun: fun.into(),
            arg: vec![],
            tgt,
            tgt_type: "glob".into(),
            user: "root".into(),
            start_time: OffsetDateTime::from_unix_timestamp(secs).unwrap(),
            minions: vec![],
        }
    }

    #[test]
    fn function_globs_are_comma_separated() {
        let f = JobFilter {
            search_function: Some("test.*, cmd.run".into()),
            ..JobFilter::default()
        }
        .compile()
        .unwrap();
        assert!(f.matches(&job("test.ping", json!("*"), 0)));
        assert!(f.matches(&job("cmd.run", json!("*"), 0)));
        assert!(!f.matches(&job("cmd.run_all", json!("*"), 0)));
    }

    #[test]
    fn target_matches_any_list_element() {
        let f = JobFilter {
            search_target: Some("minion2".into()),
            ..JobFilter::default()
        }
        .compile()
        .unwrap();
        assert!(f.matches(&job("test.ping", json!(["minion1", "minion2"]), 0)));
        assert!(!f.matches(&job("test.ping", json!(["minion1"]), 0)));
        assert!(!f.matches(&job("test.ping", json!("*"), 0)));
    }

    #[test]
    fn time_window_is_inclusive() {
        let f = JobFilter {
            start_time: Some(OffsetDateTime::from_unix_timestamp(10).unwrap()),
            end_time: Some(OffsetDateTime::from_unix_timestamp(20).unwrap()),
            ..JobFilter::default()
        }
        .compile()
        .unwrap();
        assert!(!f.matches(&job("f", json!("*"), 9)));
        assert!(f.matches(&job("f", json!("*"), 10)));
        assert!(f.matches(&job("f", json!("*"), 20)));
        assert!(!f.matches(&job("f", json!("*"), 21)));
    }

    #[test]
    fn invalid_glob_is_an_error() {
        let err = JobFilter {
            search_function: Some("test.[".into()),
            ..JobFilter::default()
        }
        .compile()
        .unwrap_err();
        assert!(matches!(err, JobError::Pattern { .. }));
    }
}
