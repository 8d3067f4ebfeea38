//! Why a target could not be compiled or expanded.
//!
//! Every variant names the offending piece (the pattern, word or nodegroup)
//! so the master can print it to the user before anything is published.

/// A target that cannot be compiled, or a nodegroup that cannot be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// A PCRE target (`-E`, `-P`, `-J`, `E@`, `P@`, `J@`) that is not a valid regular expression.
    #[error("invalid regular expression {pattern:?}: {reason}")]
    BadRegex {
        /// The pattern as given.
        pattern: String,
        /// What the regex engine objected to.
        reason: String,
    },
    /// An ipcidr target (`-S`, `S@`) that is neither an IP address nor a network.
    #[error("invalid IP address or CIDR network {target:?}: {reason}")]
    BadCidr {
        /// The target as given.
        target: String,
        /// Why it was refused.
        reason: String,
    },
    /// A compound target (`-C`) that does not parse.
    #[error("invalid compound target {target:?}: {reason}")]
    BadCompound {
        /// The whole compound expression.
        target: String,
        /// What is wrong and where.
        reason: String,
    },
    /// A grain or pillar target without the delimiter between key and pattern.
    #[error("{kind} target {target:?} must be of the form key{delimiter}pattern")]
    MissingDelimiter {
        /// `grain`, `grain_pcre`, `pillar`, ...
        kind: &'static str,
        /// The target as given.
        target: String,
        /// The delimiter that was expected.
        delimiter: String,
    },
    /// An empty `delimiter` in a grain or pillar target.
    #[error("the target delimiter must not be empty")]
    EmptyDelimiter,
    /// A list of ids given for a target type that takes a single string.
    #[error("a {kind} target must be a single string, not a list")]
    NotAString {
        /// The target type.
        kind: &'static str,
    },
    /// `R@` in a compound target: salt-rs has no range server client.
    #[error("range matching is not supported: {word:?}")]
    RangeUnsupported {
        /// The `R@...` word.
        word: String,
    },
    /// A nodegroup (`-N`, `N@`) reached compilation: the master must expand it first.
    #[error(
        "nodegroup {name:?} must be expanded on the master (expand_nodegroups) before compiling"
    )]
    UnexpandedNodegroup {
        /// The nodegroup name.
        name: String,
    },
    /// A nodegroup that is not defined in the master's `nodegroups`.
    #[error("unknown nodegroup {name:?}")]
    UnknownNodegroup {
        /// The nodegroup name.
        name: String,
    },
    /// A nodegroup that includes itself, directly or through others.
    #[error("nodegroup {name:?} includes itself: {}", chain.join(" -> "))]
    NodegroupCycle {
        /// The group that closes the cycle.
        name: String,
        /// The chain of groups from the outermost, ending with `name` again.
        chain: Vec<String>,
    },
    /// A target too large or too deeply nested to evaluate safely.
    #[error("target {target:?} is too complex: {reason}")]
    TooComplex {
        /// The target (or the part of it) that is too complex.
        target: String,
        /// Which limit it exceeds.
        reason: String,
    },
    /// A top file's `- match: NAME` names no matcher Salt has.
    #[error(
        "unknown top file matcher {name:?} (match: compound, glob, list, pcre, grain, grain_pcre, pillar, pillar_pcre, pillar_exact, ipcidr or nodegroup)"
    )]
    UnknownMatcher {
        /// The name as given.
        name: String,
    },
    /// A nodegroup defined as something other than a string or a list.
    #[error("nodegroup {name:?} must be a compound string or a list of targets")]
    BadNodegroup {
        /// The nodegroup name.
        name: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_offending_piece() {
        let cycle = TargetError::NodegroupCycle {
            name: "a".into(),
            chain: vec!["a".into(), "b".into(), "a".into()],
        };
        assert_eq!(
            cycle.to_string(),
            "nodegroup \"a\" includes itself: a -> b -> a"
        );
        let range = TargetError::RangeUnsupported {
            word: "R@%foo".into(),
        };
        assert!(
            range
                .to_string()
                .starts_with("range matching is not supported")
        );
        assert!(range.to_string().contains("R@%foo"));
    }
}
