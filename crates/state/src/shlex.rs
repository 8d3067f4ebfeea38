//! POSIX shell-word splitting, as Python's `shlex.split` does it (what Salt
//! applies to `cmd.run` with `python_shell=False`): whitespace separates
//! words, single quotes are literal, double quotes allow `\` before
//! `\ " $ ` and newline, a backslash outside quotes escapes the next char.
//! No expansion of any kind happens; `#` is an ordinary character.
//! [`quote`] is the inverse for one word (Python's `shlex.quote`).
//! Used by `cmd.run`/`cmd.script` (salt-exec), `cmd.run stateful` and
//! `archive.extracted options` (here). The kernel command-line reader in
//! salt-grains keeps its own, lenient splitter: an unclosed quote there
//! runs to the end, as the kernel reads it, instead of being an error.

/// Why a command line could not be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("No closing quotation")]
    NoClosingQuote,
    #[error("No escaped character")]
    NoEscapedChar,
}

/// Splits `s` into words.
pub fn split(s: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\\' => {
                cur.push(chars.next().ok_or(SplitError::NoEscapedChar)?);
                in_word = true;
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err(SplitError::NoClosingQuote),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('\\' | '"' | '$' | '`' | '\n')) => cur.push(e),
                            Some(other) => {
                                cur.push('\\');
                                cur.push(other);
                            }
                            None => return Err(SplitError::NoClosingQuote),
                        },
                        Some(c) => cur.push(c),
                        None => return Err(SplitError::NoClosingQuote),
                    }
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// Quotes one word for a POSIX shell, as Python's `shlex.quote`: words of
/// safe characters stay as they are, others go in single quotes.
pub fn quote(s: &str) -> String {
    if s.is_empty() {
        return "''".into();
    }
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if s.chars().all(safe) {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(s: &str) -> Vec<String> {
        split(s).unwrap()
    }

    #[test]
    fn splits_like_python_shlex() {
        assert_eq!(sp("ls -l  /tmp"), ["ls", "-l", "/tmp"]);
        assert_eq!(sp("echo 'a b' \"c d\""), ["echo", "a b", "c d"]);
        assert_eq!(
            sp(r#"echo "a \"q\" \n" 'x\y'"#),
            ["echo", "a \"q\" \\n", "x\\y"]
        );
        assert_eq!(sp(r"a\ b c"), ["a b", "c"]);
        assert_eq!(sp("echo ''"), ["echo", ""]);
        assert_eq!(sp("a'b'c"), ["abc"]);
        assert_eq!(
            sp("echo # not a comment"),
            ["echo", "#", "not", "a", "comment"]
        );
        assert_eq!(sp("echo $HOME | cat"), ["echo", "$HOME", "|", "cat"]);
        assert!(sp("  ").is_empty());
    }

    #[test]
    fn quote_round_trips_through_split() {
        assert_eq!(quote("/tmp/a.sh"), "/tmp/a.sh");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("it's a b"), "'it'\"'\"'s a b'");
        for w in ["it's a b", "$HOME", "a\\b", "x\"y"] {
            assert_eq!(split(&quote(w)).unwrap(), [w]);
        }
    }

    #[test]
    fn unbalanced_quotes_are_errors() {
        assert_eq!(split("echo 'a"), Err(SplitError::NoClosingQuote));
        assert_eq!(split("echo \"a"), Err(SplitError::NoClosingQuote));
        assert_eq!(split("echo a\\"), Err(SplitError::NoEscapedChar));
    }
}
