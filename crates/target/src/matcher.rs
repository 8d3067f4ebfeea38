//! The single-kind matchers a target is built from: id glob, id list, id
//! PCRE, grain/pillar expressions and ipcidr. A plain `-G` target compiles
//! to one of these; a compound target to a tree of them.

use std::net::IpAddr;

use ipnet::IpNet;
use regex::Regex;
use serde_json::Value;

use crate::error::TargetError;
use crate::fnmatch;
use crate::subdict::{Mode, SubdictMatcher, compile_match_regex};
use crate::{Facts, TargetType};

/// One compiled leaf of a target.
#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    /// fnmatch glob on the minion id (case-sensitive, as on Linux).
    Glob(fnmatch::Pattern),
    /// Exact minion ids.
    List(Vec<String>),
    /// Regex on the minion id, anchored at the start (`re.match`).
    Pcre(Regex),
    /// Expression over the grains.
    Grain(SubdictMatcher),
    /// Expression over the pillar; never matches without pillar.
    Pillar(SubdictMatcher),
    /// An address that must be in the `ipv4`/`ipv6` grain.
    IpAddr(IpAddr),
    /// A network one of the `ipv4`/`ipv6` grain addresses must be in.
    IpNet(IpNet),
}

impl Matcher {
    /// Compile a single-string target of type `tt`. `Compound`, `Nodegroup`
    /// and `List` are handled by the caller.
    pub(crate) fn compile(
        tt: TargetType,
        expr: &str,
        delimiter: &str,
    ) -> Result<Self, TargetError> {
        let kind = tt.as_str();
        Ok(match tt {
            TargetType::Glob => Matcher::Glob(fnmatch::Pattern::new(expr)),
            TargetType::List => Matcher::list(expr),
            TargetType::Pcre => Matcher::Pcre(compile_match_regex(expr, false)?),
            TargetType::Grain => {
                Matcher::Grain(SubdictMatcher::new(kind, expr, delimiter, Mode::Glob)?)
            }
            TargetType::GrainPcre => {
                Matcher::Grain(SubdictMatcher::new(kind, expr, delimiter, Mode::Regex)?)
            }
            TargetType::Pillar => {
                Matcher::Pillar(SubdictMatcher::new(kind, expr, delimiter, Mode::Glob)?)
            }
            TargetType::PillarPcre => {
                Matcher::Pillar(SubdictMatcher::new(kind, expr, delimiter, Mode::Regex)?)
            }
            TargetType::PillarExact => {
                Matcher::Pillar(SubdictMatcher::new(kind, expr, delimiter, Mode::Exact)?)
            }
            TargetType::Ipcidr => Matcher::ipcidr(expr)?,
            TargetType::Compound | TargetType::Nodegroup => {
                // lib.rs dispatches these before reaching here; refuse
                // rather than panic all the same.
                return Err(TargetError::BadCompound {
                    target: expr.to_owned(),
                    reason: format!("a {kind} target is not a single matcher"),
                });
            }
        })
    }

    /// A comma-separated id list; empty entries are dropped.
    pub(crate) fn list(expr: &str) -> Self {
        Matcher::List(
            expr.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    /// Salt tries an address first, then a network; a network with host
    /// bits set (`10.0.0.1/24`) is refused, as Python's `ip_network` does.
    pub(crate) fn ipcidr(expr: &str) -> Result<Self, TargetError> {
        if let Ok(addr) = expr.parse::<IpAddr>() {
            return Ok(Matcher::IpAddr(addr));
        }
        match expr.parse::<IpNet>() {
            Ok(net) if net.trunc() == net => Ok(Matcher::IpNet(net)),
            Ok(net) => Err(TargetError::BadCidr {
                target: expr.to_owned(),
                reason: format!("host bits set (did you mean {}?)", net.trunc()),
            }),
            Err(_) => Err(TargetError::BadCidr {
                target: expr.to_owned(),
                reason: "not an IPv4/IPv6 address or network".into(),
            }),
        }
    }

    /// True if the minion described by `f` matches.
    pub(crate) fn matches(&self, f: &Facts<'_>) -> bool {
        match self {
            Matcher::Glob(p) => p.matches(f.id),
            Matcher::List(ids) => ids.iter().any(|id| id == f.id),
            Matcher::Pcre(re) => re.is_match(f.id),
            Matcher::Grain(sm) => sm.matches(f.grains),
            Matcher::Pillar(sm) => f.pillar.is_some_and(|p| sm.matches(p)),
            Matcher::IpAddr(addr) => ip_grain(f.grains, addr.is_ipv4()).any(|a| a == *addr),
            Matcher::IpNet(net) => {
                ip_grain(f.grains, matches!(net, IpNet::V4(_))).any(|a| net.contains(&a))
            }
        }
    }

    /// True if matching reads the grains.
    pub(crate) fn needs_grains(&self) -> bool {
        matches!(
            self,
            Matcher::Grain(_) | Matcher::IpAddr(_) | Matcher::IpNet(_)
        )
    }

    /// True if matching reads the pillar.
    pub(crate) fn needs_pillar(&self) -> bool {
        matches!(self, Matcher::Pillar(_))
    }
}

/// The parseable addresses in the `ipv4` or `ipv6` grain (a list, or a
/// single string).
fn ip_grain(grains: &Value, v4: bool) -> impl Iterator<Item = IpAddr> + '_ {
    let key = if v4 { "ipv4" } else { "ipv6" };
    let items: &[Value] = match grains.get(key) {
        Some(Value::Array(items)) => items,
        Some(single @ Value::String(_)) => std::slice::from_ref(single),
        _ => &[],
    };
    items
        .iter()
        .filter_map(|v| v.as_str()?.parse::<IpAddr>().ok())
        .filter(move |a| a.is_ipv4() == v4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts<'a>(id: &'a str, grains: &'a Value) -> Facts<'a> {
        Facts {
            id,
            grains,
            pillar: None,
        }
    }

    #[test]
    fn glob_on_id_is_case_sensitive() {
        let g = json!({});
        let m = Matcher::compile(TargetType::Glob, "web*", ":").unwrap();
        assert!(m.matches(&facts("web1", &g)));
        assert!(!m.matches(&facts("Web1", &g)));
        assert!(!m.matches(&facts("db1", &g)));
    }

    #[test]
    fn list_is_exact() {
        let g = json!({});
        let m = Matcher::compile(TargetType::List, "m1,m3,", ":").unwrap();
        assert!(m.matches(&facts("m1", &g)));
        assert!(m.matches(&facts("m3", &g)));
        assert!(!m.matches(&facts("m", &g)));
        assert!(!m.matches(&facts("m10", &g)));
    }

    #[test]
    fn pcre_is_anchored_at_start_and_case_sensitive() {
        let g = json!({});
        let m = Matcher::compile(TargetType::Pcre, r"web\d+", ":").unwrap();
        assert!(m.matches(&facts("web12.example", &g)));
        assert!(!m.matches(&facts("xweb12", &g)));
        assert!(!m.matches(&facts("WEB12", &g)));
        let all = Matcher::compile(TargetType::Pcre, "", ":").unwrap();
        assert!(all.matches(&facts("anything", &g)));
    }

    #[test]
    fn ipcidr_v4_and_v6() {
        let g = json!({"ipv4": ["127.0.0.1", "192.0.2.2"], "ipv6": ["::1", "fd00::2"]});
        let f = facts("m", &g);
        let yes = [
            "192.0.2.2",
            "192.0.2.0/24",
            "127.0.0.0/8",
            "::1",
            "fd00::/64",
            "fd00:0::2",
        ];
        for t in yes {
            assert!(Matcher::ipcidr(t).unwrap().matches(&f), "{t}");
        }
        let no = ["192.0.2.3", "10.0.0.0/8", "fd01::/64", "::2"];
        for t in no {
            assert!(!Matcher::ipcidr(t).unwrap().matches(&f), "{t}");
        }
        // No grain, no match.
        assert!(
            !Matcher::ipcidr("::/0")
                .unwrap()
                .matches(&facts("m", &json!({})))
        );
    }

    #[test]
    fn ipcidr_errors() {
        for bad in ["10.0.0.1/24", "300.1.1.1", "10.0.0.0/33", "web1", ""] {
            match Matcher::ipcidr(bad) {
                Err(TargetError::BadCidr { target, .. }) => assert_eq!(target, bad),
                other => panic!("{bad}: {other:?}"),
            }
        }
        let msg = Matcher::ipcidr("10.0.0.1/24").unwrap_err().to_string();
        assert!(msg.contains("10.0.0.0/24"), "{msg}");
    }

    #[test]
    fn pillar_needs_pillar() {
        let g = json!({});
        let p = json!({"role": "web"});
        let m = Matcher::compile(TargetType::Pillar, "role:web", ":").unwrap();
        assert!(!m.matches(&facts("m", &g)));
        let with = Facts {
            id: "m",
            grains: &g,
            pillar: Some(&p),
        };
        assert!(m.matches(&with));
        assert!(m.needs_pillar() && !m.needs_grains());
    }
}
