//! Targeting: glob, list, grain, grain PCRE, id PCRE, ipcidr, compound, nodegroups; pure functions

#![forbid(unsafe_code)]
