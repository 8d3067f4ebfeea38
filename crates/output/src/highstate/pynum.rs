//! Python's `int.__format__` and `float.__format__` for [`pyformat`]:
//! what `"{6[duration]:8.2f}"` or `"{6[__run_num__]:03d}"` in a user's
//! `state_tabular` string prints.
//!
//! [`pyformat`]: super::pyformat

use super::py::{Fallback, Py};
use super::pyformat::{Spec, pad};
use crate::pyrepr;

/// `format(int, spec)`; `type_name` names the Python type in errors.
pub(crate) fn format_int(value: i128, spec: &Spec, type_name: &str) -> Py<String> {
    let kind = spec.kind.unwrap_or('d');
    if matches!(kind, 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') {
        // Python converts to float for these.
        #[allow(clippy::cast_precision_loss)]
        return format_float(value as f64, spec);
    }
    if spec.precision.is_some() {
        return Err(Fallback::new(
            "ValueError: Precision not allowed in integer format specifier",
        ));
    }
    let negative = value < 0;
    let magnitude = value.unsigned_abs();
    let (digits, prefix, group_size) = match kind {
        'd' | 'n' => (magnitude.to_string(), "", 3),
        'b' => (format!("{magnitude:b}"), "0b", 4),
        'o' => (format!("{magnitude:o}"), "0o", 4),
        'x' => (format!("{magnitude:x}"), "0x", 4),
        'X' => (format!("{magnitude:X}"), "0X", 4),
        'c' => return format_char(value, spec),
        other => {
            return Err(Fallback::new(format!(
                "ValueError: Unknown format code '{other}' for object of type '{type_name}'"
            )));
        }
    };
    if spec.grouping == Some(',') && kind != 'd' {
        return Err(Fallback::new(format!(
            "ValueError: Cannot specify ',' with '{kind}'."
        )));
    }
    if spec.grouping.is_some() && kind == 'n' {
        return Err(Fallback::new("ValueError: Cannot specify ',' with 'n'."));
    }
    let prefix = if spec.alternate { prefix } else { "" };
    Ok(assemble(
        negative,
        prefix,
        (&digits, ""),
        "",
        spec,
        group_size,
    ))
}

/// `format(float, spec)`.
pub(crate) fn format_float(value: f64, spec: &Spec) -> Py<String> {
    let negative = value.is_sign_negative() && !value.is_nan();
    let x = value.abs();
    let kind = spec.kind;
    let upper = matches!(kind, Some('E' | 'F' | 'G'));
    let (body, suffix) = if !x.is_finite() {
        let word = if x.is_nan() { "nan" } else { "inf" };
        let word = if upper {
            word.to_uppercase()
        } else {
            word.to_owned()
        };
        (word, if kind == Some('%') { "%" } else { "" })
    } else {
        match kind {
            None => match spec.precision {
                None => (pyrepr::float_repr(x), ""),
                Some(p) => (general(x, p, spec.alternate, true), ""),
            },
            Some('f' | 'F') => (fixed(x, spec.precision.unwrap_or(6), spec.alternate), ""),
            Some('e' | 'E') => {
                let s = scientific(x, spec.precision.unwrap_or(6), spec.alternate);
                (if upper { s.to_uppercase() } else { s }, "")
            }
            Some('g' | 'G' | 'n') => {
                let s = general(x, spec.precision.unwrap_or(6), spec.alternate, false);
                (if upper { s.to_uppercase() } else { s }, "")
            }
            Some('%') => (
                fixed(x * 100.0, spec.precision.unwrap_or(6), spec.alternate),
                "%",
            ),
            Some(other) => {
                return Err(Fallback::new(format!(
                    "ValueError: Unknown format code '{other}' for object of type 'float'"
                )));
            }
        }
    };
    if spec.grouping.is_some() && kind == Some('n') {
        return Err(Fallback::new("ValueError: Cannot specify ',' with 'n'."));
    }
    let int_len = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    Ok(assemble(
        negative,
        "",
        body.split_at(int_len),
        suffix,
        spec,
        3,
    ))
}

/// The `c` type: the character with that code point.
fn format_char(value: i128, spec: &Spec) -> Py<String> {
    if spec.sign.is_some() {
        return Err(Fallback::new(
            "ValueError: Sign not allowed with integer format specifier 'c'",
        ));
    }
    let ch = u32::try_from(value)
        .ok()
        .and_then(char::from_u32)
        .ok_or_else(|| Fallback::new("OverflowError: %c arg not in range(0x110000)"))?;
    let fill = spec.fill.unwrap_or(if spec.zero { '0' } else { ' ' });
    Ok(pad(
        &ch.to_string(),
        spec.width,
        spec.align.unwrap_or('>'),
        fill,
    ))
}

/// `%.{p}f`.
fn fixed(x: f64, p: usize, alternate: bool) -> String {
    let s = format!("{x:.p$}");
    if alternate && p == 0 {
        format!("{s}.")
    } else {
        s
    }
}

/// `%.{p}e` with Python's signed, two-digit exponent.
fn scientific(x: f64, p: usize, alternate: bool) -> String {
    let s = format!("{x:.p$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let dot = if alternate && p == 0 { "." } else { "" };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}{dot}e{sign}{:02}", exp.unsigned_abs())
}

/// `%g`; with `add_dot_0`, the type-less form with a precision, which keeps
/// a `.0` and switches to an exponent one digit earlier.
fn general(x: f64, p: usize, alternate: bool, add_dot_0: bool) -> String {
    let p = p.max(1);
    let sci = format!("{x:.prec$e}", prec = p - 1);
    let exp: i64 = sci
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let p_signed = i64::try_from(p).unwrap_or(i64::MAX);
    let limit = if add_dot_0 { p_signed - 1 } else { p_signed };
    let use_exp = x != 0.0 && (exp < -4 || exp >= limit);
    let s = if use_exp {
        scientific(x, p - 1, alternate)
    } else {
        let decimals = usize::try_from(p_signed - 1 - exp).unwrap_or(0);
        fixed(x, decimals, alternate)
    };
    let mut s = if alternate {
        s
    } else {
        let (num, exp_part) = s.split_at(s.find('e').unwrap_or(s.len()));
        let num = if num.contains('.') {
            num.trim_end_matches('0').trim_end_matches('.')
        } else {
            num
        };
        format!("{num}{exp_part}")
    };
    if add_dot_0 && !s.contains(['.', 'e']) {
        s.push_str(".0");
    }
    s
}

/// Sign, prefix, grouped integer digits, the rest, and padding, laid out as
/// Python does (`=` pads between the sign and the digits).
fn assemble(
    negative: bool,
    prefix: &str,
    (int_part, rest): (&str, &str),
    suffix: &str,
    spec: &Spec,
    group_size: usize,
) -> String {
    let sign = match (negative, spec.sign) {
        (true, _) => "-",
        (false, Some('+')) => "+",
        (false, Some(' ')) => " ",
        _ => "",
    };
    let fill = spec.fill.unwrap_or(if spec.zero { '0' } else { ' ' });
    let align = spec.align.unwrap_or(if spec.zero { '=' } else { '>' });
    let fixed_len = sign.len() + prefix.len() + rest.chars().count() + suffix.len();
    let group = |digits: &str| match spec.grouping {
        Some(sep) => group_digits(digits, sep, group_size),
        None => digits.to_owned(),
    };
    if align != '=' {
        let text = format!("{sign}{prefix}{}{rest}{suffix}", group(int_part));
        return pad(&text, spec.width, align, fill);
    }
    let mut digits = int_part.to_owned();
    let mut grouped = group(&digits);
    if fill == '0' && spec.grouping.is_some() {
        // Zero padding is grouped too, and never starts with a separator.
        while fixed_len + grouped.chars().count() < spec.width {
            digits.insert(0, '0');
            grouped = group(&digits);
        }
        return format!("{sign}{prefix}{grouped}{rest}{suffix}");
    }
    let len = fixed_len + grouped.chars().count();
    let padding: String = std::iter::repeat_n(fill, spec.width.saturating_sub(len)).collect();
    format!("{sign}{prefix}{padding}{grouped}{rest}{suffix}")
}

fn group_digits(digits: &str, sep: char, size: usize) -> String {
    let chars: Vec<char> = digits.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if i > 0 && (chars.len() - i).is_multiple_of(size) {
            out.push(sep);
        }
        out.push(*c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::pyformat::parse_spec;
    use super::*;

    fn ff(v: f64, spec: &str) -> String {
        format_float(v, &parse_spec(spec).unwrap()).unwrap()
    }

    fn fi(v: i128, spec: &str) -> String {
        format_int(v, &parse_spec(spec).unwrap(), "int").unwrap()
    }

    // Expected values printed by Python 3.11.
    #[test]
    fn floats_like_python() {
        let cases = [
            (123.0, ".3", "1.23e+02"),
            (12.0, ".3", "12.0"),
            (100.0, ".1", "1e+02"),
            (0.0001, ".3", "0.0001"),
            (1e-5, ".3", "1e-05"),
            (1e16, "", "1e+16"),
            (123456.0, ".6", "1.23456e+05"),
            (12345.0, ".6", "12345.0"),
            (1.0, ".0", "1e+00"),
            (0.5, ".0", "0.5"),
            (1234.5, ",.1f", "1,234.5"),
            (-0.0, "+.1f", "-0.0"),
            (3.0, ".2g", "3"),
            (3.0, "#.2g", "3.0"),
            (123456789.0, "g", "1.23457e+08"),
            (0.0, "g", "0"),
            (0.0, ".3", "0.0"),
            (1.5, "%", "150.000000%"),
            (1.5, ".1%", "150.0%"),
            (1.5, "e", "1.500000e+00"),
            (1.5e-10, ".2E", "1.50E-10"),
            (f64::INFINITY, "010", "0000000inf"),
            (f64::NAN, "F", "NAN"),
            (7.5, "08.2f", "00007.50"),
            (-7.5, "08.2f", "-0007.50"),
            (-7.5, "<8.2f", "-7.50   "),
            (0.352, ">7", "  0.352"),
        ];
        for (v, spec, want) in cases {
            assert_eq!(ff(v, spec), want, "{v} {spec}");
        }
    }

    #[test]
    fn ints_like_python() {
        let cases = [
            (1234, "010,", "00,001,234"),
            (1234, "0=10,", "00,001,234"),
            (1234, "08,", "0,001,234"),
            (255, "#x", "0xff"),
            (255, "#010x", "0x000000ff"),
            (-7, "^+7", "  -7   "),
            (7, "03d", "007"),
            (65, "c", "A"),
            (123_456_789, "_x", "75b_cd15"),
            (5, "+", "+5"),
            (5, ".1f", "5.0"),
        ];
        for (v, spec, want) in cases {
            assert_eq!(fi(v, spec), want, "{v} {spec}");
        }
        for bad in [".2", "s", ",x"] {
            assert!(
                format_int(5, &parse_spec(bad).unwrap(), "int").is_err(),
                "{bad}"
            );
        }
    }
}
