//! What a scalar means: PyYAML's YAML 1.1 implicit resolvers (which plain
//! scalars are bools, ints, floats, nulls, timestamps, merge or value keys)
//! and the conversions behind `!!int`, `!!float` and `!!bool`, with Salt's
//! one twist (a leading zero does not make an int octal: `0644` is 644).
//!
//! The dumper uses the same resolvers to decide which strings need quotes.

use std::sync::LazyLock;

use regex::Regex;

/// The type PyYAML's resolver gives a plain scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Implicit {
    Bool,
    Float,
    Int,
    Merge,
    Null,
    Timestamp,
    Value,
    Str,
}

/// An integer as Python holds it: machine-sized, or the decimal text of a
/// larger one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Int {
    Small(i128),
    Big(String),
}

/// Resolves a plain scalar as PyYAML's `Resolver` does, in its registration
/// order (bool, float, int, merge, null, timestamp, value). Python's `$`
/// also matches before one final newline, so `\n?` ends every pattern.
pub(crate) fn resolve_plain(s: &str) -> Implicit {
    static RESOLVERS: LazyLock<Vec<(Implicit, &'static str, Regex)>> = LazyLock::new(|| {
        [
            (
                Implicit::Bool,
                "yYnNtTfFoO",
                r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\n?$",
            ),
            (
                Implicit::Float,
                "-+0123456789.",
                r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\n?$",
            ),
            (
                Implicit::Int,
                "-+0123456789",
                r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\n?$",
            ),
            (Implicit::Merge, "<", r"^(?:<<)\n?$"),
            (Implicit::Null, "~nN", r"^(?:~|null|Null|NULL)\n?$"),
            (
                Implicit::Timestamp,
                "0123456789",
                r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)\n?$",
            ),
            (Implicit::Value, "=", r"^(?:=)\n?$"),
        ]
        .into_iter()
        .filter_map(|(kind, first, re)| Regex::new(re).ok().map(|re| (kind, first, re)))
        .collect()
    });
    let Some(first) = s.chars().next() else {
        return Implicit::Null;
    };
    RESOLVERS
        .iter()
        .find(|(_, firsts, re)| firsts.contains(first) && re.is_match(s))
        .map_or(Implicit::Str, |(kind, _, _)| *kind)
}

/// Whether a plain rendering of `s` would read back as something other than
/// a string (so the dumper must quote it).
pub(crate) fn resolves_implicitly(s: &str) -> bool {
    resolve_plain(s) != Implicit::Str
}

/// `!!bool`: PyYAML looks the lowercased text up in yes/no/true/false/on/off.
pub(crate) fn construct_bool(raw: &str) -> Result<bool, String> {
    match raw.to_lowercase().as_str() {
        "yes" | "true" | "on" => Ok(true),
        "no" | "false" | "off" => Ok(false),
        _ => Err(format!(
            "cannot read {raw:?} as a bool (expected yes/no, true/false or on/off)"
        )),
    }
}

/// `!!int` as Salt's loader builds it: leading zeros are dropped first (so
/// `0644` is 644, not octal), unless the text starts with `0b` or `0x`; then
/// PyYAML's rules: `_` ignored, one sign, `0b` binary, `0x` hex, a leading
/// `0` (only reachable after a sign: `-0644`) octal, `:` base 60, else decimal.
pub(crate) fn construct_int(raw: &str) -> Result<Int, String> {
    let bad = || format!("cannot read {raw:?} as an integer");
    let mut text = raw;
    if text != "0" && text.starts_with('0') && !text.starts_with("0b") && !text.starts_with("0x") {
        text = text.trim_start_matches('0');
        if text.is_empty() {
            text = "0";
        }
    }
    let text = text.replace('_', "");
    let mut rest = text.as_str();
    let negative = rest.starts_with('-');
    if let Some(r) = rest.strip_prefix(['+', '-']) {
        rest = r;
    } else if rest.is_empty() {
        return Err(bad());
    }
    let magnitude = if rest == "0" {
        Int::Small(0)
    } else if let Some(digits) = rest.strip_prefix("0b") {
        py_int(digits, 2).ok_or_else(bad)?
    } else if let Some(digits) = rest.strip_prefix("0x") {
        py_int(digits, 16).ok_or_else(bad)?
    } else if rest.starts_with('0') {
        py_int(rest, 8).ok_or_else(bad)?
    } else if rest.contains(':') {
        sexagesimal_int(rest).ok_or_else(bad)?
    } else if rest.is_empty() {
        return Err(bad());
    } else {
        py_int(rest, 10).ok_or_else(bad)?
    };
    Ok(if negative {
        negate(magnitude)
    } else {
        magnitude
    })
}

/// `!!float` as PyYAML builds it: `_` ignored, case folded, one sign,
/// `.inf`/`.nan`, `:` base 60, else Python's `float()`.
pub(crate) fn construct_float(raw: &str) -> Result<f64, String> {
    let bad = || format!("cannot read {raw:?} as a float");
    let text = raw.replace('_', "").to_lowercase();
    let mut rest = text.as_str();
    let sign = if rest.starts_with('-') { -1.0 } else { 1.0 };
    if let Some(r) = rest.strip_prefix(['+', '-']) {
        rest = r;
    } else if rest.is_empty() {
        return Err(bad());
    }
    if rest == ".inf" {
        Ok(sign * f64::INFINITY)
    } else if rest == ".nan" {
        Ok(f64::NAN)
    } else if rest.contains(':') {
        let mut digits = Vec::new();
        for part in rest.split(':') {
            digits.push(py_float(part).ok_or_else(bad)?);
        }
        let (mut value, mut base) = (0.0, 1.0);
        for digit in digits.iter().rev() {
            value += digit * base;
            base *= 60.0;
        }
        Ok(sign * value)
    } else {
        py_float(rest).map(|f| sign * f).ok_or_else(bad)
    }
}

/// Python's `float(s)`: surrounding whitespace allowed, decimal or
/// scientific notation, `inf`/`infinity`/`nan` in any case.
fn py_float(s: &str) -> Option<f64> {
    let s = s.trim_matches(is_py_space);
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let word = body.to_ascii_lowercase();
    let named = matches!(word.as_str(), "inf" | "infinity" | "nan");
    let numeric = !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && body.chars().any(|c| c.is_ascii_digit());
    if !(named || numeric) {
        return None;
    }
    s.parse::<f64>().ok()
}

/// Python's `int(s, base)` for the digits PyYAML hands it: whitespace
/// around, one optional sign, the base's own prefix allowed (`int('0x1f',
/// 16)`), at least one digit.
fn py_int(s: &str, base: u32) -> Option<Int> {
    let s = s.trim_matches(is_py_space);
    let (negative, mut digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let prefix = match base {
        2 => Some(["0b", "0B"]),
        8 => Some(["0o", "0O"]),
        16 => Some(["0x", "0X"]),
        _ => None,
    };
    if let Some(rest) = prefix.and_then(|[lower, upper]| {
        digits
            .strip_prefix(lower)
            .or_else(|| digits.strip_prefix(upper))
    }) {
        digits = rest;
    }
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(base)) {
        return None;
    }
    let magnitude = digits_to_int(digits, base)?;
    Some(if negative {
        negate(magnitude)
    } else {
        magnitude
    })
}

/// Base-60 `a:b:c` with each part read by `int()`.
fn sexagesimal_int(s: &str) -> Option<Int> {
    let mut value: i128 = 0;
    for part in s.split(':') {
        let Int::Small(digit) = py_int(part, 10)? else {
            return None;
        };
        value = value.checked_mul(60)?.checked_add(digit)?;
    }
    Some(Int::Small(value))
}

/// Longest integer literal in a base other than 10 that is converted
/// (conversion to decimal text is quadratic in the length).
const MAX_NON_DECIMAL_DIGITS: usize = 2048;

fn digits_to_int(digits: &str, base: u32) -> Option<Int> {
    let mut small: i128 = 0;
    let mut overflow = false;
    for c in digits.chars() {
        let d = i128::from(c.to_digit(base)?);
        match small
            .checked_mul(i128::from(base))
            .and_then(|v| v.checked_add(d))
        {
            Some(v) => small = v,
            None => {
                overflow = true;
                break;
            }
        }
    }
    if !overflow {
        return Some(Int::Small(small));
    }
    if base == 10 {
        return Some(Int::Big(digits.trim_start_matches('0').to_owned()));
    }
    if digits.len() > MAX_NON_DECIMAL_DIGITS {
        return None;
    }
    // Schoolbook conversion to base 10^9 limbs, least significant first.
    let mut limbs: Vec<u64> = vec![0];
    for c in digits.chars() {
        let mut carry = u64::from(c.to_digit(base)?);
        for limb in &mut limbs {
            let v = *limb * u64::from(base) + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    }
    let mut text = String::new();
    for (i, limb) in limbs.iter().rev().enumerate() {
        if i == 0 {
            text.push_str(&limb.to_string());
        } else {
            text.push_str(&format!("{limb:09}"));
        }
    }
    Some(Int::Big(text))
}

fn negate(i: Int) -> Int {
    match i {
        Int::Small(v) => Int::Small(-v),
        Int::Big(s) if s.starts_with('-') => Int::Big(s[1..].to_owned()),
        Int::Big(s) => Int::Big(format!("-{s}")),
    }
}

/// Python's `str.isspace()` for the characters `strip()` removes.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implicit_types() {
        use Implicit::*;
        for (s, want) in [
            ("yes", Bool),
            ("OFF", Bool),
            ("y", Str),
            ("oN", Str),
            ("1.5", Float),
            ("1e3", Str),
            ("1.0e+3", Float),
            ("-.5", Str),
            (".5", Float),
            ("-.Inf", Float),
            ("0644", Int),
            ("09", Str),
            ("1:30", Int),
            ("0:30", Str),
            ("<<", Merge),
            ("~", Null),
            ("", Null),
            ("2026-01-01", Timestamp),
            ("2026-01-01 10:00:00", Timestamp),
            ("=", Value),
            ("yes\n", Bool),
            ("yes\n\n", Str),
        ] {
            assert_eq!(resolve_plain(s), want, "{s:?}");
        }
    }

    #[test]
    fn ints_with_salts_leading_zero_rule() {
        let small = |s: &str| match construct_int(s) {
            Ok(Int::Small(v)) => v,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(small("0644"), 644);
        assert_eq!(small("-0644"), -420);
        assert_eq!(small("+0644"), 420);
        assert_eq!(small("00"), 0);
        assert_eq!(small("0_7"), 7);
        assert_eq!(small("0x_1F"), 31);
        assert_eq!(small("0b101"), 5);
        assert_eq!(small("190:20:30"), 685_230);
        assert_eq!(small("--1"), 1);
        assert_eq!(small(" 12 "), 12);
        assert_eq!(small("-0o17"), -15);
        assert!(construct_int("0_").is_err());
        assert!(construct_int("0b").is_err());
        assert!(construct_int("0o17").is_err());
        assert!(construct_int("0X1F").is_err());
        assert!(construct_int("").is_err());
        assert!(construct_int("-").is_err());
        assert_eq!(
            construct_int("0x1000000000000000000000000000000000"),
            Ok(Int::Big("5444517870735015415413993718908291383296".into()))
        );
        assert_eq!(
            construct_int("-123456789012345678901234567890123456789012"),
            Ok(Int::Big(
                "-123456789012345678901234567890123456789012".into()
            ))
        );
    }

    #[test]
    fn floats() {
        assert_eq!(construct_float("1_0.5_"), Ok(10.5));
        assert_eq!(construct_float("1.e+3"), Ok(1000.0));
        assert_eq!(construct_float("1:30.5"), Ok(90.5));
        assert_eq!(construct_float(" 1.5 "), Ok(1.5));
        assert_eq!(construct_float("1e3"), Ok(1000.0));
        assert_eq!(construct_float("infinity"), Ok(f64::INFINITY));
        assert_eq!(construct_float("-.Inf"), Ok(f64::NEG_INFINITY));
        assert!(construct_float(".NaN").is_ok_and(f64::is_nan));
        assert!(construct_float("").is_err());
        assert!(construct_float("-").is_err());
        assert!(construct_float("abc").is_err());
        assert!(construct_float(".").is_err());
    }

    #[test]
    fn bools() {
        assert_eq!(construct_bool("tRUE"), Ok(true));
        assert_eq!(construct_bool("Off"), Ok(false));
        assert!(construct_bool("y").is_err());
        assert!(construct_bool("").is_err());
    }
}
