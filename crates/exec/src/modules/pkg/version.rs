//! Package version ordering: dpkg's (`dpkg --compare-versions`, what
//! `apt_pkg.version_compare` gives Salt) and RPM's (`rpm.labelCompare`,
//! epoch:version-release with `rpmvercmp` on each part), plus Salt's
//! `salt.utils.versions.compare` operators on top.

use std::cmp::Ordering;

/// Which ordering a package manager uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Deb,
    Rpm,
}

/// -1, 0 or 1, as Salt's `pkg.version_cmp`.
pub(crate) fn version_cmp(scheme: Scheme, a: &str, b: &str, ignore_epoch: bool) -> i32 {
    let strip = |s: &'_ str| -> String {
        if ignore_epoch {
            s.split_once(':').map_or(s, |(_, r)| r).to_owned()
        } else {
            s.to_owned()
        }
    };
    let (a, b) = (strip(a), strip(b));
    let o = match scheme {
        Scheme::Deb => deb_cmp(&a, &b),
        Scheme::Rpm => rpm_evr_cmp(&a, &b),
    };
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// Salt's `salt.utils.versions.compare(ver1, oper, ver2)`; an unknown
/// operator is false.
pub(crate) fn compare(scheme: Scheme, v1: &str, oper: &str, v2: &str, ignore_epoch: bool) -> bool {
    let c = version_cmp(scheme, v1, v2, ignore_epoch);
    match oper {
        "<" => c == -1,
        "<=" => c <= 0,
        "==" => c == 0,
        ">=" => c >= 0,
        ">" => c == 1,
        "!=" => c != 0,
        _ => false,
    }
}

/// dpkg: epoch numerically, then upstream and revision with `verrevcmp`.
pub(crate) fn deb_cmp(a: &str, b: &str) -> Ordering {
    let (ea, ua, ra) = deb_split(a);
    let (eb, ub, rb) = deb_split(b);
    ea.cmp(&eb)
        .then_with(|| verrevcmp(ua.as_bytes(), ub.as_bytes()))
        .then_with(|| verrevcmp(ra.as_bytes(), rb.as_bytes()))
}

fn deb_split(v: &str) -> (u64, &str, &str) {
    let (epoch, rest) = match v.split_once(':') {
        Some((e, r)) if e.chars().all(|c| c.is_ascii_digit()) && !e.is_empty() => {
            (e.parse().unwrap_or(0), r)
        }
        _ => (0, v),
    };
    match rest.rsplit_once('-') {
        Some((u, r)) => (epoch, u, r),
        None => (epoch, rest, ""),
    }
}

/// The weight of one non-digit character in dpkg's ordering: `~` before
/// the end, letters before everything else.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit(a, i)) || (j < b.len() && !digit(b, j)) {
            let (ac, bc) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while digit(a, i) && digit(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return Ordering::Greater;
        }
        if digit(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

/// RPM: `[epoch:]version[-release]`, each part with `rpmvercmp` (a missing
/// epoch is 0; a missing release on either side is not compared).
pub(crate) fn rpm_evr_cmp(a: &str, b: &str) -> Ordering {
    let (ea, va, ra) = rpm_split(a);
    let (eb, vb, rb) = rpm_split(b);
    let e = rpmvercmp(ea, eb);
    if e != Ordering::Equal {
        return e;
    }
    let v = rpmvercmp(va, vb);
    if v != Ordering::Equal {
        return v;
    }
    match (ra, rb) {
        (Some(x), Some(y)) => rpmvercmp(x, y),
        _ => Ordering::Equal,
    }
}

fn rpm_split(v: &str) -> (&str, &str, Option<&str>) {
    let (epoch, rest) = match v.split_once(':') {
        Some((e, r)) => (if e.is_empty() { "0" } else { e }, r),
        None => ("0", v),
    };
    match rest.rsplit_once('-') {
        Some((ver, rel)) => (epoch, ver, Some(rel)),
        None => (epoch, rest, None),
    }
}

/// rpm's `rpmvercmp`.
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    loop {
        while i < a.len() && sep(a[i]) {
            i += 1;
        }
        while j < b.len() && sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca.is_none() || cb.is_none() {
            break;
        }
        let numeric = a[i].is_ascii_digit();
        let take = |s: &[u8], mut k: usize| {
            let start = k;
            while k < s.len()
                && (if numeric {
                    s[k].is_ascii_digit()
                } else {
                    s[k].is_ascii_alphabetic()
                })
            {
                k += 1;
            }
            (start, k)
        };
        let (sa, ea) = take(a, i);
        let (sb, eb) = take(b, j);
        if sb == eb {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (mut x, mut y) = (&a[sa..ea], &b[sb..eb]);
        if numeric {
            while x.first() == Some(&b'0') && x.len() > 1 {
                x = &x[1..];
            }
            while y.first() == Some(&b'0') && y.len() > 1 {
                y = &y[1..];
            }
            let l = x.len().cmp(&y.len());
            if l != Ordering::Equal {
                return l;
            }
        }
        let c = x.cmp(y);
        if c != Ordering::Equal {
            return c;
        }
        i = ea;
        j = eb;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

/// Salt's `split_comparison`: `>=1.2` -> (">=", "1.2"); `1.2` -> ("", "1.2").
pub(crate) fn split_comparison(v: &str) -> (&str, &str) {
    const OPS: [&str; 10] = ["<=>", "!=", ">=", "<=", ">>", "<<", "<>", ">", "<", "="];
    for op in OPS {
        if let Some(rest) = v.strip_prefix(op) {
            let rest = rest.strip_prefix(char::is_whitespace).unwrap_or(rest);
            if !rest.is_empty() && !rest.contains(['<', '>', '=']) {
                return (op, rest);
            }
            return ("", v);
        }
    }
    ("", v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_ordering() {
        use Ordering::*;
        for (a, b, o) in [
            ("1.0", "1.1", Less),
            ("1.1", "1.1", Equal),
            ("2.10-3", "2.10-2", Greater),
            ("1.0~rc1", "1.0", Less),
            ("1:0.9", "2.0", Greater),
            ("1.0a", "1.0", Greater),
            ("1.0+b1", "1.0", Greater),
            ("1.00", "1.0", Equal),
            ("2.1.0-1", "2.1-1", Greater),
        ] {
            assert_eq!(deb_cmp(a, b), o, "{a} vs {b}");
        }
    }

    #[test]
    fn rpm_ordering() {
        use Ordering::*;
        for (a, b, o) in [
            ("1.0-1.el9", "1.0-2.el9", Less),
            ("1:1.0-1", "2.0-1", Greater),
            ("1.0~rc1-1", "1.0-1", Less),
            ("1.0^git1-1", "1.0-1", Greater),
            ("1.10-1", "1.9-1", Greater),
            ("1.0a-1", "1.0-1", Greater),
            ("1.0", "1.0-5", Equal),
            ("2.4.6-99.el9", "2.4.6-99.el9", Equal),
        ] {
            assert_eq!(rpm_evr_cmp(a, b), o, "{a} vs {b}");
        }
    }

    #[test]
    fn operators_and_epochs() {
        assert!(compare(Scheme::Deb, "1.1", ">=", "1.0", false));
        assert!(!compare(Scheme::Deb, "1.1", "<", "1.0", false));
        assert!(compare(Scheme::Deb, "1:1.0", "==", "1.0", true));
        assert!(!compare(Scheme::Deb, "1.0", "=~", "1.0", false));
        assert_eq!(split_comparison(">=1.2"), (">=", "1.2"));
        assert_eq!(split_comparison("> 1.2"), (">", "1.2"));
        assert_eq!(split_comparison("1.2"), ("", "1.2"));
        assert_eq!(split_comparison("=1.2"), ("=", "1.2"));
    }
}
