//! Python's `textwrap.TextWrapper(width, initial_indent, subsequent_indent).fill()`
//! with its other settings at their defaults, as Salt uses it for a state's
//! warnings: tabs expanded, whitespace turned into spaces, text split into
//! words, whitespace runs and hyphenated parts (Python's `wordsep_re`), long
//! words broken, preferably after a hyphen. Lengths count code points.

/// `TextWrapper(width=width, initial_indent=first, subsequent_indent=rest).fill(text)`.
pub(crate) fn fill(text: &str, width: usize, first: &str, rest: &str) -> String {
    let chars: Vec<char> = munge_whitespace(text).chars().collect();
    let chunks = split_chunks(&chars);
    wrap_chunks(chunks, width, first, rest).join("\n")
}

/// `expandtabs(8)` then every ASCII whitespace character to a space.
fn munge_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut column = 0usize;
    for c in text.chars() {
        match c {
            '\t' => {
                let spaces = 8 - column % 8;
                out.extend(std::iter::repeat_n(' ', spaces));
                column += spaces;
            }
            '\n' | '\r' => {
                out.push(' ');
                column = 0;
            }
            '\u{0b}' | '\u{0c}' => {
                out.push(' ');
                column += 1;
            }
            c => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

/// The whitespace `wordsep_re` knows: `[\t\n\x0b\x0c\r ]` (after munging,
/// only spaces are left).
fn is_ws(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{0b}' | '\u{0c}' | '\r' | ' ')
}

/// Python's `\w` on str: alphanumerics and `_`.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `[^\d\W]`: a word character that is not a digit.
fn is_letter(c: char) -> bool {
    is_word(c) && !c.is_numeric()
}

/// `[\w!"'&.,?]`.
fn is_word_punct(c: char) -> bool {
    is_word(c) || "!\"'&.,?".contains(c)
}

/// `re.split(wordsep_re, text)` with the empty pieces dropped: whitespace
/// runs, em-dashes between words, and words split after inner hyphens.
fn split_chunks(c: &[char]) -> Vec<String> {
    let at = |i: usize| c.get(i).copied();
    let letter = |i: usize| at(i).is_some_and(is_letter);
    // `(?<=\w...)-{2,}(?=\w)` starting at `i`: its length, if it matches.
    let em_dash = |i: usize| -> Option<usize> {
        if i == 0 || !is_word_punct(c[i - 1]) {
            return None;
        }
        let n = c[i..].iter().take_while(|&&ch| ch == '-').count();
        (n >= 2 && at(i + n).is_some_and(is_word)).then_some(n)
    };
    let mut chunks = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let end = if is_ws(c[i]) {
            i + c[i..].iter().take_while(|&&ch| is_ws(ch)).count()
        } else if let Some(n) = em_dash(i) {
            i + n
        } else {
            // A lazy run of non-whitespace that ends where one of the
            // alternatives holds; the end of the run always does.
            let mut j = i + 1;
            loop {
                if j >= c.len() || is_ws(c[j]) {
                    break j;
                }
                let hyphen_here = c[j] == '-'
                    && ((j >= 2 && letter(j - 2) && letter(j - 1))
                        || (j >= 3 && letter(j - 3) && at(j - 2) == Some('-') && letter(j - 1)))
                    && letter(j + 1)
                    && (letter(j + 2) || (at(j + 2) == Some('-') && letter(j + 3)));
                if hyphen_here {
                    break j + 1;
                }
                if is_word_punct(c[j - 1]) && c[j] == '-' && em_dash(j).is_some() {
                    break j;
                }
                j += 1;
            }
        };
        chunks.push(c[i..end].iter().collect());
        i = end;
    }
    chunks
}

fn is_blank(s: &str) -> bool {
    s.chars().all(crate::pyrepr::is_space)
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// `TextWrapper._wrap_chunks` with `break_long_words` and `drop_whitespace`.
fn wrap_chunks(mut chunks: Vec<String>, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    chunks.reverse();
    while !chunks.is_empty() {
        let mut line: Vec<String> = Vec::new();
        let mut cur_len = 0usize;
        let indent = if lines.is_empty() { first } else { rest };
        let width = width.saturating_sub(char_len(indent));
        if !lines.is_empty() && chunks.last().is_some_and(|c| is_blank(c)) {
            chunks.pop();
        }
        while let Some(chunk) = chunks.last() {
            let l = char_len(chunk);
            if cur_len + l > width {
                break;
            }
            cur_len += l;
            line.extend(chunks.pop());
        }
        if chunks.last().is_some_and(|c| char_len(c) > width) {
            handle_long_word(&mut chunks, &mut line, cur_len, width);
        }
        if line.last().is_some_and(|c| is_blank(c)) {
            line.pop();
        }
        if !line.is_empty() {
            lines.push(format!("{indent}{}", line.concat()));
        }
    }
    lines
}

/// Puts as much of the over-long chunk on the line as fits, breaking after
/// the last hyphen in that part when one follows a non-hyphen.
fn handle_long_word(chunks: &mut [String], line: &mut Vec<String>, cur_len: usize, width: usize) {
    let space_left = if width < 1 { 1 } else { width - cur_len };
    let Some(chunk) = chunks.last_mut() else {
        return;
    };
    let cs: Vec<char> = chunk.chars().collect();
    let mut end = space_left.min(cs.len());
    if cs.len() > space_left {
        let hyphen = cs[..space_left].iter().rposition(|&ch| ch == '-');
        if let Some(h) = hyphen
            && h > 0
            && cs[..h].iter().any(|&ch| ch != '-')
        {
            end = h + 1;
        }
    }
    line.push(cs[..end].iter().collect());
    *chunk = cs[end..].iter().collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(s: &str) -> Vec<String> {
        split_chunks(&s.chars().collect::<Vec<_>>())
    }

    #[test]
    fn splits_like_wordsep_re() {
        // Expected pieces from Python 3.11's TextWrapper()._split().
        assert_eq!(
            pieces("Hello there -- you goof-ball, use the -b option!"),
            [
                "Hello", " ", "there", " ", "--", " ", "you", " ", "goof-", "ball,", " ", "use",
                " ", "the", " ", "-b", " ", "option!"
            ]
        );
        assert_eq!(
            pieces("well--known a-b-c x--y 1-2 ab-cd-ef"),
            [
                "well", "--", "known", " ", "a-b-c", " ", "x", "--", "y", " ", "1-2", " ", "ab-",
                "cd-", "ef"
            ]
        );
    }

    #[test]
    fn fills_with_indents_and_breaks_long_words() {
        let text = "one two three four five six seven eight nine ten";
        assert_eq!(
            fill(text, 20, "  ", "    "),
            "  one two three four\n    five six seven\n    eight nine ten"
        );
        assert_eq!(
            fill("abcdefghij-klmnop", 8, "", ""),
            "abcdefgh\nij-\nklmnop"
        );
        assert_eq!(fill("", 80, "  ", "  "), "");
        assert_eq!(fill("a\tb\nc", 80, "", ""), "a       b c");
    }
}
