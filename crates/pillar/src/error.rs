//! What can go wrong compiling a pillar: [`Problem`], one per message Salt
//! would put into the pillar's `_errors`, and [`PillarError`], all of them.
//!
//! Each problem has two wordings: Salt's, for the minion
//! ([`Problem::salt_message`]; with `pillar_safe_render_error`, the default,
//! a render error only says "Please see master log for details."), and the
//! full one for the master's log ([`std::fmt::Display`]), which names the
//! file, line and column.

use std::fmt;

use salt_render::RenderError;
use serde_json::{Map, Value};

/// One problem found while compiling a minion's pillar.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// A `top.sls` failed to render (Salt stops reading top files there).
    TopRender {
        /// The environment whose top file failed.
        saltenv: String,
        /// Where and why.
        error: RenderError,
    },
    /// A file named by a top file's `include:` failed to render.
    TopIncludeRender {
        /// The environment of the including top file.
        saltenv: String,
        /// The included SLS name.
        sls: String,
        /// Where and why.
        error: RenderError,
    },
    /// The top data is not shaped as Salt needs it (`env: {target: [sls,
    /// ...]}`); Salt then drops the whole top and compiles an empty pillar.
    TopMalformed {
        /// What is wrong, and where.
        reason: String,
    },
    /// A top file target names a matcher Salt does not have (`- match:
    /// bogus`; Salt's minion fails with `KeyError: 'bogus_match.match'`).
    UnknownMatcher {
        /// The environment of the target.
        saltenv: String,
        /// The target.
        target: String,
        /// The matcher name as given.
        name: String,
    },
    /// A top file names an environment `pillar_roots` does not have.
    NoEnvironment {
        /// The environment name.
        saltenv: String,
    },
    /// A top file or `include:` names an SLS that no root holds.
    Missing {
        /// The SLS name.
        sls: String,
        /// Its environment.
        saltenv: String,
    },
    /// An SLS failed to render.
    SlsRender {
        /// The SLS name.
        sls: String,
        /// Its environment.
        saltenv: String,
        /// Where and why (file relative to the root, line, column, context).
        error: RenderError,
    },
    /// An SLS rendered to something other than a dictionary.
    NotADict {
        /// The SLS name.
        sls: String,
        /// Its environment.
        saltenv: String,
    },
    /// An SLS's `include:` is not a list.
    IncludeNotAList {
        /// The SLS name.
        sls: String,
        /// Its environment.
        saltenv: String,
    },
    /// An `include:` item Salt cannot read either (it fails with a Python
    /// exception there): not a name nor `{name: {key: ..., defaults: ...}}`.
    BadInclude {
        /// The including SLS.
        sls: String,
        /// Its environment.
        saltenv: String,
        /// What is wrong with the item.
        reason: String,
    },
    /// A pillar file that cannot be read (permissions, not UTF-8).
    Read {
        /// The SLS being read; `None` for a top file.
        sls: Option<String>,
        /// Its environment.
        saltenv: String,
        /// The file and the reason.
        reason: String,
    },
}

impl Problem {
    /// The message Salt puts into the pillar's `_errors` for this problem.
    /// `safe_render_error` is the master's `pillar_safe_render_error`
    /// (default true), which hides SLS render errors from the minion.
    pub fn salt_message(&self, safe_render_error: bool) -> String {
        match self {
            Problem::SlsRender { sls, .. } if safe_render_error => {
                format!("Rendering SLS '{sls}' failed. Please see master log for details.")
            }
            Problem::TopMalformed { .. } => {
                "Error encountered while rendering pillar top file.".to_owned()
            }
            Problem::Read {
                sls: Some(sls),
                reason,
                ..
            } => {
                if safe_render_error {
                    format!("Rendering SLS '{sls}' failed. Please see master log for details.")
                } else {
                    format!("Rendering SLS '{sls}' failed, render error:\n{reason}")
                }
            }
            Problem::Read {
                sls: None, reason, ..
            } => format!("Rendering Primary Top file failed, render error:\n{reason}"),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Problem {
    /// The full message, for the master's log: Salt's words where Salt has
    /// them, plus the file, line and column.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::TopRender { error, .. } => {
                write!(
                    f,
                    "Rendering Primary Top file failed, render error:\n{error}"
                )
            }
            Problem::TopIncludeRender { sls, error, .. } => {
                write!(f, "Rendering Top file {sls} failed, render error:\n{error}")
            }
            Problem::TopMalformed { reason } => {
                write!(
                    f,
                    "Error encountered while rendering pillar top file: {reason}"
                )
            }
            Problem::UnknownMatcher {
                saltenv,
                target,
                name,
            } => write!(
                f,
                "Unknown top file matcher '{name}' for target '{target}' in environment '{saltenv}'"
            ),
            Problem::NoEnvironment { saltenv } => write!(
                f,
                "No matching pillar environment for environment '{saltenv}' found"
            ),
            Problem::Missing { sls, saltenv } => write!(
                f,
                "Specified SLS '{sls}' in environment '{saltenv}' is not available on the salt master"
            ),
            Problem::SlsRender { sls, error, .. } => {
                write!(f, "Rendering SLS '{sls}' failed, render error:\n{error}")
            }
            Problem::NotADict { sls, .. } => {
                write!(f, "SLS '{sls}' does not render to a dictionary")
            }
            Problem::IncludeNotAList { sls, .. } => write!(
                f,
                "Include Declaration in SLS '{sls}' is not formed as a list"
            ),
            Problem::BadInclude { sls, reason, .. } => {
                write!(
                    f,
                    "Include Declaration in SLS '{sls}' is malformed: {reason}"
                )
            }
            Problem::Read {
                sls: Some(sls),
                reason,
                ..
            } => write!(f, "Reading SLS '{sls}' failed: {reason}"),
            Problem::Read {
                sls: None,
                saltenv,
                reason,
            } => write!(f, "Reading the top file of '{saltenv}' failed: {reason}"),
        }
    }
}

/// A pillar that did not compile cleanly: every problem found. salt-rs
/// never hands a minion the rest of such a pillar (Salt does, with the
/// messages under `_errors`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct PillarError {
    /// What went wrong, in the order Salt lists it.
    pub problems: Vec<Problem>,
    /// The master's `pillar_safe_render_error`.
    pub safe_render_error: bool,
}

impl PillarError {
    /// The messages Salt would put into `_errors`.
    pub fn salt_errors(&self) -> Vec<String> {
        self.problems
            .iter()
            .map(|p| p.salt_message(self.safe_render_error))
            .collect()
    }

    /// What the minion gets instead of the pillar: `{"_errors": [...]}`
    /// alone. Salt's minion refuses to run states with that key present
    /// ("Pillar failed to render with the following messages:"), and so
    /// does salt-rs; no partial data leaves the master.
    pub fn error_pillar(&self) -> Map<String, Value> {
        let errors = self.salt_errors().into_iter().map(Value::String).collect();
        Map::from_iter([("_errors".to_owned(), Value::Array(errors))])
    }
}

impl fmt::Display for PillarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pillar failed to render with the following messages:")?;
        for p in &self.problems {
            write!(f, "\n{p}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salt_render::Stage;

    #[test]
    fn safe_and_full_messages() {
        let error = RenderError::at(
            Stage::Jinja,
            "bad.sls",
            Some("b: {{ nope.x }}\n"),
            Some(1),
            Some(6),
            "Jinja variable 'nope' is undefined",
        );
        let p = Problem::SlsRender {
            sls: "bad".into(),
            saltenv: "base".into(),
            error,
        };
        assert_eq!(
            p.salt_message(true),
            "Rendering SLS 'bad' failed. Please see master log for details."
        );
        let full = p.salt_message(false);
        assert!(full.starts_with("Rendering SLS 'bad' failed, render error:\nJinja variable 'nope' is undefined; line 1 (bad.sls:1:6)"), "{full}");
        let e = PillarError {
            problems: vec![p],
            safe_render_error: true,
        };
        assert_eq!(
            Value::Object(e.error_pillar()),
            serde_json::json!({"_errors": ["Rendering SLS 'bad' failed. Please see master log for details."]})
        );
        assert!(e.to_string().contains("(bad.sls:1:6)"));
    }
}
