//! The search filters of `jobs.list_jobs` / `jobs.last_run`, kept apart from
//! storage so every [`crate::JobStore`] matches jobs the same way as Salt:
//! comma-separated shell globs on the function and on each target, and a
//! start-time window.

use globset::{Glob, GlobMatcher};
use serde_json::Value;
use time::OffsetDateTime;

use crate::{JobError, PublishRecord};

/// Which jobs to list. Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq)]
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

/// A `start_time` / `end_time` of `jobs.list_jobs` as the 20-digit job id
/// of that instant, for comparison with job ids (which are the publish time,
/// like Salt's `StartTime`, so both sides are the master's local time, as
/// in Salt).
///
/// Accepts Salt's own `StartTime` form (`2015, Mar 16 19:00`, with optional
/// seconds and microseconds), ISO dates (`2026-11-21`, `2026-11-21 21:05`,
/// `2026-11-21T21:05:08.5`) and a bare job id.
pub fn time_bound(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.len() == 20 && t.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(t.to_owned());
    }
    let bad = || {
        format!(
            "cannot read the time {text:?}: use '2026, Nov 21 21:05', '2026-11-21 21:05[:08[.123456]]' or '2026-11-21'"
        )
    };
    let (date, clock) = if let Some((d, c)) = t.split_once(", ") {
        // 2015, Mar 16 19:00[:SS[.ffffff]]
        let mut parts = c.split_whitespace();
        let (mon, day) = (parts.next().ok_or_else(bad)?, parts.next().ok_or_else(bad)?);
        let month = MONTHS
            .iter()
            .position(|m| m.eq_ignore_ascii_case(mon))
            .ok_or_else(bad)?
            + 1;
        let year: u32 = d.trim().parse().map_err(|_| bad())?;
        let day: u32 = day.parse().map_err(|_| bad())?;
        ((year, month as u32, day), parts.next().unwrap_or("00:00"))
    } else {
        let (d, c) = match t.split_once(['T', ' ']) {
            Some((d, c)) => (d, c.trim()),
            None => (t, "00:00"),
        };
        let mut ymd = d.split('-').map(|p| p.parse::<u32>().map_err(|_| bad()));
        let (y, m, dd) = (
            ymd.next().ok_or_else(bad)??,
            ymd.next().ok_or_else(bad)??,
            ymd.next().ok_or_else(bad)??,
        );
        if ymd.next().is_some() {
            return Err(bad());
        }
        ((y, m, dd), c)
    };
    let (hms, frac) = match clock.split_once('.') {
        Some((h, f)) => (h, f),
        None => (clock, ""),
    };
    let mut hms = hms.split(':').map(|p| p.parse::<u32>().map_err(|_| bad()));
    let hour = hms.next().ok_or_else(bad)??;
    let minute = hms.next().ok_or_else(bad)??;
    let second = hms.next().transpose()?.unwrap_or(0);
    if hms.next().is_some() || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let micros = format!("{frac:0<6}");
    let (year, month, day) = date;
    let valid = time::Month::try_from(u8::try_from(month).map_err(|_| bad())?)
        .ok()
        .and_then(|m| {
            time::Date::from_calendar_date(i32::try_from(year).ok()?, m, u8::try_from(day).ok()?)
                .ok()
        })
        .is_some();
    if !valid || year > 9999 || hour > 23 || minute > 59 || second > 59 {
        return Err(bad());
    }
    Ok(format!(
        "{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}{micros}"
    ))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

#[cfg(test)]
mod tests {

    #[test]
    fn time_bounds_in_salts_and_iso_forms() {
        assert_eq!(
            time_bound("2015, Mar 16 19:00").unwrap(),
            "20150316190000000000"
        );
        assert_eq!(
            time_bound("2026, Nov 21 21:05:08.967619").unwrap(),
            "20261121210508967619"
        );
        assert_eq!(time_bound("2026-11-21").unwrap(), "20261121000000000000");
        assert_eq!(
            time_bound("2026-11-21 21:05").unwrap(),
            "20261121210500000000"
        );
        assert_eq!(
            time_bound("2026-11-21T21:05:08.5").unwrap(),
            "20261121210508500000"
        );
        assert_eq!(
            time_bound("20261121210508967619").unwrap(),
            "20261121210508967619"
        );
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "2026, Foo 1 10:00",
            "2026-11-21 25:00",
            "2026-11-21 10:00:00.1234567",
            "",
        ] {
            let e = time_bound(bad).unwrap_err();
            assert!(e.contains("cannot read the time"), "{bad}: {e}");
        }
    }
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
