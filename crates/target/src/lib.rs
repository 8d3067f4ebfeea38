//! Salt targeting: which minions a publish is for.
//!
//! The same code runs on both sides. A minion compiles the target of each
//! publish and evaluates it against its own id, grains and pillar; the
//! master expands nodegroups, compiles the target once and evaluates it
//! against every known minion to learn whom to wait for (and for
//! `--preview-target`). Pure: no I/O, no evaluation of strings as code.
//!
//! Supported `tgt_type`s and their Salt semantics: `glob` (fnmatch on the
//! id), `list`, `pcre` (`re.match` on the id), `grain`, `grain_pcre`,
//! `pillar`, `pillar_pcre`, `pillar_exact` (`key:subkey:pattern`, Salt's
//! `subdict_match` rules), `ipcidr`, `compound` (parsed to a tree, never
//! `eval`ed) and `nodegroup`
//! (master side only, see [`expand_nodegroups`]). Top files (state and
//! pillar) match their targets with [`confirm_top`].
//!
//! ```
//! use salt_target::{Facts, Target, TargetType};
//! let grains = serde_json::json!({"os": "Debian", "ipv4": ["10.0.0.5"]});
//! let t = Target::new("G@os:Debian and not L@db1", TargetType::Compound);
//! let compiled = t.compile().unwrap();
//! assert!(compiled.matches(&Facts { id: "web1", grains: &grains, pillar: None }));
//! ```

#![forbid(unsafe_code)]

mod compound;
mod error;
mod fnmatch;
mod matcher;
mod nodegroup;
mod subdict;
mod top;

use std::fmt;
use std::str::FromStr;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use error::TargetError;
pub use top::{confirm_top, take_includes, top_match_type};

/// Python's `fnmatch.fnmatchcase(text, pattern)`: shell wildcards, case
/// sensitive (`grains.filter_by` matches grain values with it).
pub fn fnmatchcase(text: &str, pattern: &str) -> bool {
    fnmatch::Pattern::new(pattern).matches(text)
}

use compound::Expr;
use matcher::Matcher;

/// Salt's `tgt_type` strings, with Salt's serde names.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum TargetType {
    /// The default: shell-style glob on the minion id.
    Glob,
    /// `-L`: ids, comma-separated or a list.
    List,
    /// `-G`: `key:subkey:glob` on the grains.
    Grain,
    /// `-P`: `key:subkey:regex` on the grains.
    GrainPcre,
    /// `-E`: regex on the minion id.
    Pcre,
    /// `-S`: an address or network against the `ipv4`/`ipv6` grains.
    Ipcidr,
    /// `-C`: matchers joined by `and`, `or`, `not` and parentheses.
    Compound,
    /// `-N`: a group from the master's `nodegroups` (master side only).
    Nodegroup,
    /// `-I`: `key:subkey:glob` on the pillar.
    Pillar,
    /// `-J`: `key:subkey:regex` on the pillar.
    PillarPcre,
    /// `pillar_exact`: `key:subkey:value` on the pillar, no wildcards.
    PillarExact,
}

/// What a publish carries.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Target {
    /// The expression: a string, or for `list` (and `compound`) a list.
    pub tgt: TargetExpr,
    /// How to read `tgt`.
    pub tgt_type: TargetType,
    /// Separator between keys and pattern in grain and pillar targets.
    #[serde(default = "default_delimiter")]
    pub delimiter: String,
}

/// `tgt`: a string, except `list` which may also be a list of ids (and
/// `compound`, a list of words).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(untagged)]
pub enum TargetExpr {
    /// A single string.
    One(String),
    /// A list of strings.
    Many(Vec<String>),
}

/// What a target is matched against: one minion's id, grains and, when
/// known, pillar.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    /// The minion id.
    pub id: &'a str,
    /// The minion's grains (an object; anything else matches no grain).
    pub grains: &'a Value,
    /// The minion's pillar; `None` makes every pillar matcher false.
    pub pillar: Option<&'a Value>,
}

/// A target with its regexes compiled and compound expression parsed.
/// Matching cannot fail.
#[derive(Debug, Clone)]
pub struct CompiledTarget {
    expr: Expr,
}

impl Target {
    /// A target with the default `:` delimiter.
    pub fn new(tgt: impl Into<String>, tgt_type: TargetType) -> Self {
        Target {
            tgt: TargetExpr::One(tgt.into()),
            tgt_type,
            delimiter: default_delimiter(),
        }
    }

    /// `-L` with ids as a list.
    pub fn list<I, S>(ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Target {
            tgt: TargetExpr::Many(ids.into_iter().map(Into::into).collect()),
            tgt_type: TargetType::List,
            delimiter: default_delimiter(),
        }
    }

    /// Parse and compile. Fails on a bad regex, CIDR or compound
    /// expression, a grain/pillar target without delimiter, `R@`, or a
    /// nodegroup that was not expanded first.
    pub fn compile(&self) -> Result<CompiledTarget, TargetError> {
        let kind = self.tgt_type.as_str();
        let expr = match (self.tgt_type, &self.tgt) {
            (TargetType::List, TargetExpr::One(s)) => term(Matcher::list(s)),
            (TargetType::List, TargetExpr::Many(ids)) => term(Matcher::List(
                ids.iter().filter(|s| !s.is_empty()).cloned().collect(),
            )),
            (TargetType::Compound, tgt) => compound::parse(&tgt.words())?,
            (TargetType::Nodegroup, tgt) => {
                return Err(TargetError::UnexpandedNodegroup {
                    name: tgt.to_string(),
                });
            }
            (tt, TargetExpr::One(s)) => term(Matcher::compile(tt, s, &self.delimiter)?),
            (_, TargetExpr::Many(_)) => return Err(TargetError::NotAString { kind }),
        };
        Ok(CompiledTarget { expr })
    }
}

impl CompiledTarget {
    /// True if the minion described by `f` is targeted.
    pub fn matches(&self, f: &Facts<'_>) -> bool {
        self.expr.matches(f)
    }

    /// True if matching reads grains (`-G`, `-P`, `-S` and their letters):
    /// the master needs cached grains to predict these.
    pub fn needs_grains(&self) -> bool {
        self.expr.any_term(&Matcher::needs_grains)
    }

    /// True if matching reads pillar (`-I`, `-J`, `pillar_exact`, `I@`, `J@`).
    pub fn needs_pillar(&self) -> bool {
        self.expr.any_term(&Matcher::needs_pillar)
    }
}

/// Master side: replace `-N group` and `N@group` words by the nodegroup
/// definitions (compound strings or lists of words; nested `N@` allowed).
/// The result is a `compound` target, or `t` unchanged when it has no
/// nodegroup. Unknown groups and cycles are errors naming the group.
pub fn expand_nodegroups(
    t: &Target,
    groups: &IndexMap<String, Value>,
) -> Result<Target, TargetError> {
    nodegroup::expand(t, groups)
}

/// Master side: the ids of the minions `t` matches, in the order given.
pub fn select<'a>(t: &CompiledTarget, minions: impl IntoIterator<Item = Facts<'a>>) -> Vec<String> {
    minions
        .into_iter()
        .filter(|f| t.matches(f))
        .map(|f| f.id.to_owned())
        .collect()
}

impl TargetType {
    /// Every target type, in Salt's documentation order.
    pub const ALL: [TargetType; 11] = [
        TargetType::Glob,
        TargetType::List,
        TargetType::Grain,
        TargetType::GrainPcre,
        TargetType::Pcre,
        TargetType::Ipcidr,
        TargetType::Compound,
        TargetType::Nodegroup,
        TargetType::Pillar,
        TargetType::PillarPcre,
        TargetType::PillarExact,
    ];

    /// Salt's name (`"grain_pcre"`), the same as the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetType::Glob => "glob",
            TargetType::List => "list",
            TargetType::Grain => "grain",
            TargetType::GrainPcre => "grain_pcre",
            TargetType::Pcre => "pcre",
            TargetType::Ipcidr => "ipcidr",
            TargetType::Compound => "compound",
            TargetType::Nodegroup => "nodegroup",
            TargetType::Pillar => "pillar",
            TargetType::PillarPcre => "pillar_pcre",
            TargetType::PillarExact => "pillar_exact",
        }
    }
}

impl fmt::Display for TargetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown `tgt_type` string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown target type {0:?}")]
pub struct UnknownTargetType(pub String);

impl FromStr for TargetType {
    type Err = UnknownTargetType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TargetType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownTargetType(s.to_owned()))
    }
}

impl TargetExpr {
    /// The expression as compound words: a string split at whitespace, a
    /// list taken item by item.
    pub fn words(&self) -> Vec<&str> {
        match self {
            TargetExpr::One(s) => s.split_whitespace().collect(),
            TargetExpr::Many(items) => items.iter().map(String::as_str).collect(),
        }
    }
}

impl fmt::Display for TargetExpr {
    /// A string as-is; a list comma-joined, as Salt prints `-L` targets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetExpr::One(s) => f.write_str(s),
            TargetExpr::Many(items) => f.write_str(&items.join(",")),
        }
    }
}

fn default_delimiter() -> String {
    ":".to_owned()
}

fn term(m: Matcher) -> Expr {
    Expr::Term(Box::new(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serde_names_are_salts() {
        let names = [
            "glob",
            "list",
            "grain",
            "grain_pcre",
            "pcre",
            "ipcidr",
            "compound",
            "nodegroup",
            "pillar",
            "pillar_pcre",
            "pillar_exact",
        ];
        for (tt, name) in TargetType::ALL.into_iter().zip(names) {
            assert_eq!(serde_json::to_value(tt).unwrap(), json!(name));
            assert_eq!(name.parse::<TargetType>().unwrap(), tt);
            assert_eq!(tt.to_string(), name);
        }
        assert!("grains".parse::<TargetType>().is_err());
    }

    #[test]
    fn target_wire_forms() {
        let t: Target = serde_json::from_value(json!({"tgt": "web*", "tgt_type": "glob"})).unwrap();
        assert_eq!(t, Target::new("web*", TargetType::Glob));
        assert_eq!(t.delimiter, ":");
        let l: Target = serde_json::from_value(
            json!({"tgt": ["a", "b"], "tgt_type": "list", "delimiter": "|"}),
        )
        .unwrap();
        assert_eq!(l.tgt, TargetExpr::Many(vec!["a".into(), "b".into()]));
        assert_eq!(l.delimiter, "|");
        let back = serde_json::to_value(&l).unwrap();
        assert_eq!(
            back,
            json!({"tgt": ["a", "b"], "tgt_type": "list", "delimiter": "|"})
        );
        assert!(serde_json::from_value::<Target>(json!({"tgt": 5, "tgt_type": "glob"})).is_err());
    }

    #[test]
    fn list_forms() {
        let g = json!({});
        let f = |id| Facts {
            id,
            grains: &g,
            pillar: None,
        };
        let as_list = Target::list(["m1", "m2"]).compile().unwrap();
        let as_str = Target::new("m1,m2", TargetType::List).compile().unwrap();
        for c in [&as_list, &as_str] {
            assert!(c.matches(&f("m1")));
            assert!(c.matches(&f("m2")));
            assert!(!c.matches(&f("m3")));
        }
    }

    #[test]
    fn many_is_refused_where_a_string_is_needed() {
        let t = Target {
            tgt: TargetExpr::Many(vec!["a".into()]),
            tgt_type: TargetType::Glob,
            delimiter: ":".into(),
        };
        assert_eq!(
            t.compile().unwrap_err(),
            TargetError::NotAString { kind: "glob" }
        );
    }

    #[test]
    fn compound_as_a_list_of_words() {
        let g = json!({"os": "Debian"});
        let t = Target {
            tgt: TargetExpr::Many(vec!["G@os:Debian".into(), "and".into(), "m1".into()]),
            tgt_type: TargetType::Compound,
            delimiter: ":".into(),
        };
        let c = t.compile().unwrap();
        assert!(c.matches(&Facts {
            id: "m1",
            grains: &g,
            pillar: None
        }));
    }

    #[test]
    fn nodegroup_must_be_expanded_first() {
        let t = Target::new("web", TargetType::Nodegroup);
        assert_eq!(
            t.compile().unwrap_err(),
            TargetError::UnexpandedNodegroup { name: "web".into() }
        );
    }

    #[test]
    fn needs_flags() {
        let c = |s: &str, tt| Target::new(s, tt).compile().unwrap();
        assert!(!c("*", TargetType::Glob).needs_grains());
        assert!(c("os:x", TargetType::Grain).needs_grains());
        assert!(c("10.0.0.0/8", TargetType::Ipcidr).needs_grains());
        assert!(c("role:x", TargetType::PillarExact).needs_pillar());
        let mixed = c("m1 or not ( I@a:b and G@c:d )", TargetType::Compound);
        assert!(mixed.needs_grains() && mixed.needs_pillar());
    }

    #[test]
    fn select_keeps_input_order() {
        let g1 = json!({"os": "Debian"});
        let g2 = json!({"os": "RedHat"});
        let facts = [
            Facts {
                id: "m3",
                grains: &g1,
                pillar: None,
            },
            Facts {
                id: "m1",
                grains: &g2,
                pillar: None,
            },
            Facts {
                id: "m2",
                grains: &g1,
                pillar: None,
            },
        ];
        let c = Target::new("os:debian", TargetType::Grain)
            .compile()
            .unwrap();
        assert_eq!(select(&c, facts), ["m3", "m2"]);
    }
}
