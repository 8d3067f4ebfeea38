//! Python's `fnmatch.fnmatch` on POSIX, which Salt uses to match requisite
//! targets (`require: - test: web*`), `sls:` requisites and excludes. `*`
//! and `?` match any character including `/` and newlines, `[seq]` and
//! `[!seq]` are classes, an unclosed `[` is literal. Case-sensitive.

/// Whether `name` matches the shell pattern `pat`.
pub fn fnmatch(name: &str, pat: &str) -> bool {
    if !pat.contains(['*', '?', '[']) {
        return name == pat;
    }
    let p: Vec<char> = pat.chars().collect();
    let s: Vec<char> = name.chars().collect();
    glob_at(&p, &s)
}

fn glob_at(p: &[char], s: &[char]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some(('*', rest)) => {
            // Collapse runs of `*`: keeps the backtracking linear per star.
            let rest = trim_stars(rest);
            if rest.is_empty() {
                return true;
            }
            (0..=s.len()).any(|i| glob_at(rest, &s[i..]))
        }
        Some(('?', rest)) => !s.is_empty() && glob_at(rest, &s[1..]),
        Some(('[', rest)) => match class_end(rest) {
            Some(end) => {
                let Some((c, s_rest)) = s.split_first() else {
                    return false;
                };
                class_matches(&rest[..end], *c) && glob_at(&rest[end + 1..], s_rest)
            }
            None => s.first() == Some(&'[') && glob_at(rest, &s[1..]),
        },
        Some((c, rest)) => s.first() == Some(c) && glob_at(rest, &s[1..]),
    }
}

fn trim_stars(mut p: &[char]) -> &[char] {
    while let Some(('*', rest)) = p.split_first() {
        p = rest;
    }
    p
}

/// Index of the `]` closing a class that starts just after `[`.
fn class_end(p: &[char]) -> Option<usize> {
    let mut i = 0;
    if p.first() == Some(&'!') {
        i += 1;
    }
    if p.get(i) == Some(&']') {
        i += 1;
    }
    p.get(i..)?.iter().position(|c| *c == ']').map(|j| i + j)
}

fn class_matches(class: &[char], c: char) -> bool {
    let (negate, items) = match class.split_first() {
        Some(('!', rest)) => (true, rest),
        _ => (false, class),
    };
    let mut hit = false;
    let mut i = 0;
    while i < items.len() {
        if i + 2 < items.len() && items[i + 1] == '-' {
            hit |= items[i] <= c && c <= items[i + 2];
            i += 3;
        } else {
            hit |= items[i] == c;
            i += 1;
        }
    }
    hit != negate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_python() {
        assert!(fnmatch("web01", "web*"));
        assert!(fnmatch("web01", "web0?"));
        assert!(!fnmatch("web01", "web0"));
        assert!(fnmatch("a/b", "a*b"));
        assert!(fnmatch("lib.one", "lib.*"));
        assert!(fnmatch("x1", "x[0-9]"));
        assert!(!fnmatch("x1", "x[!0-9]"));
        assert!(fnmatch("a[", "a["));
        assert!(fnmatch("]", "[]]"));
        assert!(fnmatch("anything", "**"));
        assert!(!fnmatch("Web", "web"));
        assert!(fnmatch("", "*"));
        assert!(!fnmatch("", "?"));
    }
}
