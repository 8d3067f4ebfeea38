//! Shell-style matching of key names with the semantics of Python's
//! `fnmatch.fnmatch` on POSIX, which is what `salt-key -a GLOB` and the
//! autosign/autoreject files use: `*`, `?`, `[seq]`, `[!seq]`, case
//! sensitive, `*` also crossing `/` and `.`, no escapes, an unclosed `[`
//! taken literally.

/// True when `name` matches the glob `pattern` as a whole.
pub fn fnmatch(name: &str, pattern: &str) -> bool {
    let tokens = parse(pattern);
    let name: Vec<char> = name.chars().collect();
    matches(&tokens, &name)
}

#[derive(Debug, PartialEq)]
enum Token {
    Star,
    Any,
    Lit(char),
    Class {
        negated: bool,
        items: Vec<(char, char)>,
    },
}

fn parse(pattern: &str) -> Vec<Token> {
    let pat: Vec<char> = pattern.chars().collect();
    let n = pat.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let c = pat[i];
        i += 1;
        match c {
            '*' => {
                if out.last() != Some(&Token::Star) {
                    out.push(Token::Star);
                }
            }
            '?' => out.push(Token::Any),
            '[' => {
                let mut j = i;
                if j < n && pat[j] == '!' {
                    j += 1;
                }
                if j < n && pat[j] == ']' {
                    j += 1;
                }
                while j < n && pat[j] != ']' {
                    j += 1;
                }
                if j >= n {
                    out.push(Token::Lit('['));
                } else {
                    let stuff = &pat[i..j];
                    i = j + 1;
                    let (negated, body) = match stuff.split_first() {
                        Some(('!', rest)) => (true, rest),
                        _ => (false, stuff),
                    };
                    out.push(Token::Class {
                        negated,
                        items: class_items(body),
                    });
                }
            }
            c => out.push(Token::Lit(c)),
        }
    }
    out
}

/// The ranges of a bracket expression; a single character is a range of
/// one, a reversed range matches nothing (as in Python 3.9+).
fn class_items(body: &[char]) -> Vec<(char, char)> {
    let mut items = Vec::new();
    let mut k = 0;
    while k < body.len() {
        if k + 2 < body.len() && body[k + 1] == '-' {
            if body[k] <= body[k + 2] {
                items.push((body[k], body[k + 2]));
            }
            k += 3;
        } else {
            items.push((body[k], body[k]));
            k += 1;
        }
    }
    items
}

fn token_matches(t: &Token, c: char) -> bool {
    match t {
        Token::Star => true,
        Token::Any => true,
        Token::Lit(l) => *l == c,
        Token::Class { negated, items } => {
            let hit = items.iter().any(|&(lo, hi)| lo <= c && c <= hi);
            hit != *negated
        }
    }
}

/// Iterative matcher: remembers the last `*` and retries from one character
/// further on a mismatch, which is linear-ish and never recurses.
fn matches(tokens: &[Token], name: &[char]) -> bool {
    let (mut t, mut s) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while s < name.len() {
        if t < tokens.len() && tokens[t] == Token::Star {
            star = Some((t, s));
            t += 1;
        } else if t < tokens.len() && token_matches(&tokens[t], name[s]) {
            t += 1;
            s += 1;
        } else if let Some((st, ss)) = star {
            t = st + 1;
            s = ss + 1;
            star = Some((st, ss + 1));
        } else {
            return false;
        }
    }
    while t < tokens.len() && tokens[t] == Token::Star {
        t += 1;
    }
    t == tokens.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_wildcards() {
        assert!(fnmatch("minion1", "minion1"));
        assert!(!fnmatch("minion1", "minion"));
        assert!(!fnmatch("Minion1", "minion1"));
        assert!(fnmatch("minion1", "*"));
        assert!(fnmatch("", "*"));
        assert!(!fnmatch("", "?"));
        assert!(fnmatch("minion1", "min*"));
        assert!(fnmatch("web-01.example.com", "*.example.*"));
        assert!(fnmatch("minion12", "minion?2"));
        assert!(!fnmatch("minion2", "minion?2"));
        assert!(fnmatch("aXbXc", "a*b*c"));
        assert!(!fnmatch("aXbXd", "a*b*c"));
        assert!(fnmatch("abcabc", "*abc"));
    }

    #[test]
    fn bracket_expressions() {
        assert!(fnmatch("minion2", "minion[123]"));
        assert!(!fnmatch("minion4", "minion[123]"));
        assert!(fnmatch("minion4", "minion[!123]"));
        assert!(fnmatch("minion3", "minion[1-3]"));
        assert!(!fnmatch("minion3", "minion[3-1]"));
        assert!(fnmatch("a-", "a[x-]"));
        assert!(fnmatch("a]", "a[]]"));
        assert!(fnmatch("a[b", "a[b"), "unclosed bracket is literal");
        assert!(!fnmatch("a!", "a[!]!]"));
        assert!(fnmatch("ax", "a[!]!]"));
    }

    #[test]
    fn long_star_runs_stay_fast() {
        let name = "a".repeat(200);
        assert!(!fnmatch(&name, &format!("{}b", "*a".repeat(50))));
    }
}
