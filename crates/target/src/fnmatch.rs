//! Shell-style wildcards with Python `fnmatch` semantics.
//!
//! Salt matches ids and grain values with `fnmatch`, whose rules differ from
//! `globset`'s: `*` and `?` also match `/` and newlines, `[!seq]` negates,
//! a `]` right after `[` or `[!` is literal, an unclosed `[` is a literal
//! character, there is no `{a,b}` alternation and backslash is not an escape.
//! Matching is linear-ish (single-star backtracking), never exponential.

/// A compiled wildcard pattern. Case-sensitive; callers lowercase both sides
/// where Salt does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    toks: Vec<Tok>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// `*`: any run of characters, including none.
    Star,
    /// `?`: exactly one character.
    Any,
    /// A literal character.
    Lit(char),
    /// `[...]` / `[!...]`: one character in (or not in) the ranges.
    Set {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Pattern {
    /// Compile `pat`. Never fails: every string is a valid fnmatch pattern.
    pub(crate) fn new(pat: &str) -> Self {
        let chars: Vec<char> = pat.chars().collect();
        let mut toks = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            match c {
                '*' => {
                    // Consecutive stars are one star.
                    if toks.last() != Some(&Tok::Star) {
                        toks.push(Tok::Star);
                    }
                }
                '?' => toks.push(Tok::Any),
                '[' => match parse_set(&chars, i) {
                    Some((tok, next)) => {
                        toks.push(tok);
                        i = next;
                    }
                    None => toks.push(Tok::Lit('[')),
                },
                other => toks.push(Tok::Lit(other)),
            }
        }
        Pattern { toks }
    }

    /// True if the whole of `text` matches the pattern.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let (mut p, mut t) = (0usize, 0usize);
        // Position of the last star seen and the text position it was tried at.
        let mut backtrack: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.toks.get(p) {
                Some(Tok::Star) => {
                    backtrack = Some((p, t));
                    p += 1;
                    continue;
                }
                Some(tok) if tok.matches_char(text[t]) => {
                    p += 1;
                    t += 1;
                    continue;
                }
                _ => {}
            }
            match backtrack {
                Some((star_p, star_t)) => {
                    // Let the last star swallow one more character.
                    p = star_p + 1;
                    t = star_t + 1;
                    backtrack = Some((star_p, star_t + 1));
                }
                None => return false,
            }
        }
        self.toks[p..].iter().all(|tok| *tok == Tok::Star)
    }
}

impl Tok {
    fn matches_char(&self, c: char) -> bool {
        match self {
            Tok::Star => true,
            Tok::Any => true,
            Tok::Lit(l) => *l == c,
            Tok::Set { negated, ranges } => {
                ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *negated
            }
        }
    }
}

/// Parse a `[...]` set whose `[` was just consumed; `start` indexes the
/// character after it. Returns the token and the index after the closing `]`,
/// or `None` when there is no closing `]` (then `[` is a literal).
fn parse_set(chars: &[char], start: usize) -> Option<(Tok, usize)> {
    let mut j = start;
    let negated = chars.get(j) == Some(&'!');
    if negated {
        j += 1;
    }
    let body_start = j;
    // A `]` first in the set is a member, not the end.
    if chars.get(j) == Some(&']') {
        j += 1;
    }
    while j < chars.len() && chars[j] != ']' {
        j += 1;
    }
    if j >= chars.len() {
        return None;
    }
    let body = &chars[body_start..j];
    let mut ranges = Vec::new();
    let mut k = 0;
    while k < body.len() {
        let lo = body[k];
        if k + 2 < body.len() && body[k + 1] == '-' {
            let hi = body[k + 2];
            // A reversed range (`z-a`) matches nothing, as in Python.
            if lo <= hi {
                ranges.push((lo, hi));
            }
            k += 3;
        } else {
            ranges.push((lo, lo));
            k += 1;
        }
    }
    Some((Tok::Set { negated, ranges }, j + 1))
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    fn fnmatch(text: &str, pat: &str) -> bool {
        Pattern::new(pat).matches(text)
    }

    #[test]
    fn star_and_question_mark() {
        assert!(fnmatch("minion1", "*"));
        assert!(fnmatch("", "*"));
        assert!(fnmatch("minion1", "min*"));
        assert!(fnmatch("minion1", "*1"));
        assert!(fnmatch("minion1", "m*n*1"));
        assert!(!fnmatch("minion1", "*2"));
        assert!(fnmatch("minion1", "minion?"));
        assert!(!fnmatch("minion10", "minion?"));
        assert!(!fnmatch("minion", "minion?"));
        // `*` crosses `/` and newlines, unlike path globs.
        assert!(fnmatch("a/b\nc", "a*c"));
    }

    #[test]
    fn sets() {
        assert!(fnmatch("web1", "web[12]"));
        assert!(!fnmatch("web3", "web[12]"));
        assert!(fnmatch("web3", "web[!12]"));
        assert!(!fnmatch("web1", "web[!12]"));
        assert!(fnmatch("web7", "web[0-9]"));
        assert!(!fnmatch("weba", "web[0-9]"));
        assert!(fnmatch("a]", "a[]]"));
        assert!(fnmatch("a-", "a[a-]"));
        assert!(fnmatch("ab", "a[!]]"));
        assert!(!fnmatch("a]", "a[!]]"));
        // Reversed range matches nothing.
        assert!(!fnmatch("b", "[z-a]"));
    }

    #[test]
    fn literal_specials() {
        // Unclosed bracket is literal; backslash is literal; no alternation.
        assert!(fnmatch("a[b", "a[b"));
        assert!(fnmatch("a\\b", "a\\b"));
        assert!(fnmatch("{a,b}", "{a,b}"));
        assert!(!fnmatch("a", "{a,b}"));
        assert!(fnmatch("1.2.3", "1.2.*"));
        assert!(!fnmatch("1x2", "1.2"));
    }

    #[test]
    fn case_sensitive() {
        assert!(!fnmatch("Debian", "debian"));
    }

    #[test]
    fn no_exponential_blowup() {
        let text = "a".repeat(2000);
        let pat = format!("{}b", "*a".repeat(50));
        assert!(!fnmatch(&text, &pat));
    }
}
