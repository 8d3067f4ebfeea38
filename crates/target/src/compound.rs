//! Compound targets (`-C`), parsed once into a tree.
//!
//! Salt splits the expression at whitespace, turns each word into `True` or
//! `False` and `eval`s the resulting Python text. We parse the same words
//! into an AST instead, so matching never evaluates anything built from the
//! target. The grammar is Salt's:
//!
//! * words are `and`, `or`, `not`, `(`, `)` (which must be separate words,
//!   as Salt's docs require), or a matcher: `G@ P@ I@ J@ L@ S@ E@` with an
//!   optional one-character delimiter after `G P I J` (`G|@os|Debian`),
//!   `N@group` (expanded on the master beforehand), `R@` (refused), or a
//!   bare glob on the id;
//! * Python precedence: `not` binds tighter than `and`, `and` than `or`;
//! * `not` directly after a matcher or `)` means `and not` (Salt inserts
//!   the `and`); anything else that Python would reject (two matchers in a
//!   row, a leading `and`, unbalanced parentheses) is an error here, where
//!   Salt silently matched nothing.

use crate::error::TargetError;
use crate::matcher::Matcher;
use crate::subdict::{Mode, SubdictMatcher};
use crate::{Facts, TargetType};

/// Deepest nesting of parentheses and `not` accepted. Keeps both the
/// parser and evaluation far from the stack limit on hostile input.
pub(crate) const MAX_DEPTH: usize = 64;

/// A parsed compound expression.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Term(Box<Matcher>),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

impl Expr {
    /// Evaluate against one minion, short-circuiting like Python.
    pub(crate) fn matches(&self, f: &Facts<'_>) -> bool {
        match self {
            Expr::Term(m) => m.matches(f),
            Expr::Not(e) => !e.matches(f),
            Expr::And(es) => es.iter().all(|e| e.matches(f)),
            Expr::Or(es) => es.iter().any(|e| e.matches(f)),
        }
    }

    /// True if any matcher in the tree satisfies `pred`.
    pub(crate) fn any_term(&self, pred: &dyn Fn(&Matcher) -> bool) -> bool {
        match self {
            Expr::Term(m) => pred(m),
            Expr::Not(e) => e.any_term(pred),
            Expr::And(es) | Expr::Or(es) => es.iter().any(|e| e.any_term(pred)),
        }
    }
}

/// Parse and compile a compound expression given as its words.
pub(crate) fn parse(words: &[&str]) -> Result<Expr, TargetError> {
    let whole = words.join(" ");
    let bad = |reason: String| TargetError::BadCompound {
        target: whole.clone(),
        reason,
    };
    if words.is_empty() {
        return Err(bad("the expression is empty".into()));
    }
    let toks: Vec<Tok<'_>> = words.iter().map(|w| Tok::from_word(w)).collect();
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        depth: 0,
    };
    let expr = p.parse_or().map_err(|e| e.into_error(&whole))?;
    match p.toks.get(p.pos) {
        None => Ok(expr),
        Some(Tok::Close) => Err(bad(format!("unbalanced ')' (word {})", p.pos + 1))),
        Some(tok) => Err(bad(format!(
            "missing 'and' or 'or' before {} (word {})",
            tok.describe(),
            p.pos + 1
        ))),
    }
}

/// Split a word into its engine letter, optional delimiter and pattern, as
/// Salt's target regex does. `None` for a bare glob.
pub(crate) fn split_engine(word: &str) -> Option<(char, Option<char>, &str)> {
    let mut chars = word.char_indices();
    let (_, engine) = chars.next()?;
    if !engine.is_ascii_uppercase() {
        return None;
    }
    let (_, second) = chars.next()?;
    // `G|@key|value`: one delimiter character, for the data matchers only.
    if matches!(engine, 'G' | 'P' | 'I' | 'J')
        && let Some((at, '@')) = chars.next()
    {
        let rest = &word[at + 1..];
        if !rest.is_empty() {
            return Some((engine, Some(second), rest));
        }
    }
    if second == '@' {
        return Some((engine, None, &word[2..]));
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'w> {
    And,
    Or,
    Not,
    Open,
    Close,
    Word(&'w str),
}

impl<'w> Tok<'w> {
    fn from_word(w: &'w str) -> Self {
        match w {
            "and" => Tok::And,
            "or" => Tok::Or,
            "not" => Tok::Not,
            "(" => Tok::Open,
            ")" => Tok::Close,
            other => Tok::Word(other),
        }
    }

    fn describe(&self) -> String {
        match self {
            Tok::And => "'and'".into(),
            Tok::Or => "'or'".into(),
            Tok::Not => "'not'".into(),
            Tok::Open => "'('".into(),
            Tok::Close => "')'".into(),
            Tok::Word(w) => format!("{w:?}"),
        }
    }
}

/// A parse failure: either a grammar problem (to be wrapped with the whole
/// expression) or an error from compiling one matcher (passed through).
enum ParseError {
    Grammar(String),
    Term(TargetError),
}

impl ParseError {
    fn into_error(self, whole: &str) -> TargetError {
        match self {
            ParseError::Grammar(reason) => TargetError::BadCompound {
                target: whole.to_owned(),
                reason,
            },
            ParseError::Term(e) => e,
        }
    }
}

struct Parser<'t, 'w> {
    toks: &'t [Tok<'w>],
    pos: usize,
    depth: usize,
}

type PResult = Result<Expr, ParseError>;

impl<'w> Parser<'_, 'w> {
    fn peek(&self) -> Option<Tok<'w>> {
        self.toks.get(self.pos).copied()
    }

    fn parse_or(&mut self) -> PResult {
        let mut terms = vec![self.parse_and()?];
        while self.peek() == Some(Tok::Or) {
            self.pos += 1;
            terms.push(self.parse_and()?);
        }
        Ok(one_or(terms, Expr::Or))
    }

    fn parse_and(&mut self) -> PResult {
        let mut terms = vec![self.parse_not()?];
        loop {
            match self.peek() {
                Some(Tok::And) => {
                    self.pos += 1;
                    terms.push(self.parse_not()?);
                }
                // Salt turns `a not b` into `a and not b`.
                Some(Tok::Not) => terms.push(self.parse_not()?),
                _ => break,
            }
        }
        Ok(one_or(terms, Expr::And))
    }

    fn parse_not(&mut self) -> PResult {
        if self.peek() != Some(Tok::Not) {
            return self.parse_atom();
        }
        self.pos += 1;
        self.enter()?;
        let inner = self.parse_not()?;
        self.depth -= 1;
        Ok(Expr::Not(Box::new(inner)))
    }

    fn parse_atom(&mut self) -> PResult {
        let at = self.pos;
        let prev = at.checked_sub(1).and_then(|i| self.toks.get(i)).copied();
        let Some(tok) = self.peek() else {
            return Err(ParseError::Grammar(match prev {
                Some(p) => format!("expected a target after {} at the end", p.describe()),
                None => "the expression is empty".into(),
            }));
        };
        self.pos += 1;
        match tok {
            Tok::Word(w) => compile_word(w).map_err(ParseError::Term),
            Tok::Open => {
                self.enter()?;
                if self.peek() == Some(Tok::Close) {
                    return Err(ParseError::Grammar(format!(
                        "empty parentheses (word {})",
                        at + 1
                    )));
                }
                let inner = self.parse_or()?;
                if self.peek() != Some(Tok::Close) {
                    return Err(ParseError::Grammar(format!(
                        "'(' (word {}) is never closed",
                        at + 1
                    )));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Tok::And | Tok::Or => Err(ParseError::Grammar(match prev {
                None => format!("the expression cannot start with {}", tok.describe()),
                Some(Tok::Open) => format!("{} cannot follow '('", tok.describe()),
                Some(p) => format!(
                    "expected a target between {} and {} (word {})",
                    p.describe(),
                    tok.describe(),
                    at + 1
                ),
            })),
            Tok::Close => Err(ParseError::Grammar(format!(
                "unexpected ')' (word {})",
                at + 1
            ))),
            // parse_not consumes every `not` before reaching here.
            Tok::Not => Err(ParseError::Grammar(format!(
                "unexpected 'not' (word {})",
                at + 1
            ))),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::Term(TargetError::TooComplex {
                target: self
                    .toks
                    .iter()
                    .map(Tok::describe)
                    .take(8)
                    .collect::<Vec<_>>()
                    .join(" "),
                reason: format!("parentheses and 'not' nested deeper than {MAX_DEPTH}"),
            }));
        }
        Ok(())
    }
}

fn one_or(mut terms: Vec<Expr>, wrap: fn(Vec<Expr>) -> Expr) -> Expr {
    if terms.len() == 1
        && let Some(only) = terms.pop()
    {
        return only;
    }
    wrap(terms)
}

/// Compile one matcher word of a compound expression.
fn compile_word(word: &str) -> Result<Expr, TargetError> {
    check_parens(word)?;
    let Some((engine, delim, pattern)) = split_engine(word) else {
        return leaf(Matcher::compile(TargetType::Glob, word, ":")?);
    };
    if pattern.is_empty() {
        return Err(TargetError::BadCompound {
            target: word.to_owned(),
            reason: format!("nothing after '{engine}@'"),
        });
    }
    let delim_buf;
    let delimiter = match delim {
        Some(c) => {
            delim_buf = c.to_string();
            delim_buf.as_str()
        }
        None => ":",
    };
    let data =
        |kind: TargetType, mode: Mode| SubdictMatcher::new(kind.as_str(), pattern, delimiter, mode);
    let m = match engine {
        'G' => Matcher::Grain(data(TargetType::Grain, Mode::Glob)?),
        'P' => Matcher::Grain(data(TargetType::GrainPcre, Mode::Regex)?),
        'I' => Matcher::Pillar(data(TargetType::Pillar, Mode::Glob)?),
        'J' => Matcher::Pillar(data(TargetType::PillarPcre, Mode::Regex)?),
        'L' => Matcher::list(pattern),
        'S' => Matcher::ipcidr(pattern)?,
        'E' => Matcher::compile(TargetType::Pcre, pattern, ":")?,
        'N' => {
            return Err(TargetError::UnexpandedNodegroup {
                name: pattern.to_owned(),
            });
        }
        'R' => {
            return Err(TargetError::RangeUnsupported {
                word: word.to_owned(),
            });
        }
        other => {
            return Err(TargetError::BadCompound {
                target: word.to_owned(),
                reason: format!("unknown matcher '{other}@' (known: G@ P@ I@ J@ L@ S@ E@ N@)"),
            });
        }
    };
    leaf(m)
}

fn leaf(m: Matcher) -> Result<Expr, TargetError> {
    Ok(Expr::Term(Box::new(m)))
}

/// Salt needs spaces around parentheses; `(a` would silently be a glob on
/// the id. Refuse words whose own parentheses do not balance at the edges.
fn check_parens(word: &str) -> Result<(), TargetError> {
    let (mut open, mut close, mut escaped) = (0usize, 0usize, false);
    for c in word.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' => open += 1,
            ')' => close += 1,
            _ => {}
        }
    }
    let leading = word.starts_with('(') && open > close;
    let trailing = word.ends_with(')') && close > open;
    if leading || trailing {
        return Err(TargetError::BadCompound {
            target: word.to_owned(),
            reason: "parentheses must be separate words: write '( a or b )', not '(a or b)'".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn grains() -> Value {
        json!({"os": "Debian", "os_family": "Debian", "roles": ["web", "db"], "ipv4": ["10.1.2.3"]})
    }

    fn eval(expr: &str, id: &str) -> bool {
        let words: Vec<&str> = expr.split_whitespace().collect();
        let g = grains();
        let f = Facts {
            id,
            grains: &g,
            pillar: None,
        };
        parse(&words).unwrap().matches(&f)
    }

    fn err(expr: &str) -> TargetError {
        let words: Vec<&str> = expr.split_whitespace().collect();
        parse(&words).unwrap_err()
    }

    #[test]
    fn and_or_not() {
        assert!(eval("G@os:Debian and m1", "m1"));
        assert!(!eval("G@os:Debian and m1", "m2"));
        assert!(eval("G@os:Debian and not L@m3", "m1"));
        assert!(!eval("G@os:Debian and not L@m3", "m3"));
        assert!(eval("m9 or G@roles:web", "m1"));
        assert!(eval("not m1", "m2"));
        assert!(!eval("not m1", "m1"));
        assert!(eval("not not m1", "m1"));
    }

    #[test]
    fn precedence_is_python() {
        // `a or b and c` is `a or (b and c)`.
        assert!(eval("m1 or m2 and G@os:RedHat", "m1"));
        assert!(!eval("m1 or m2 and G@os:RedHat", "m2"));
        // `not a and b` is `(not a) and b`.
        assert!(eval("not m2 and G@os:Debian", "m1"));
        assert!(!eval("not m1 and G@os:RedHat", "m2"));
    }

    #[test]
    fn parentheses() {
        assert!(!eval("( m1 or m2 ) and G@os:RedHat", "m1"));
        assert!(eval("( m1 or m2 ) and G@os:Debian", "m2"));
        assert!(eval("not ( m1 or m2 )", "m3"));
        assert!(!eval("not ( m1 or m2 )", "m1"));
        assert!(eval("( ( m1 ) )", "m1"));
    }

    #[test]
    fn implicit_and_before_not() {
        assert!(eval("G@os:Debian not m3", "m1"));
        assert!(!eval("G@os:Debian not m3", "m3"));
        assert!(!eval("( m1 or m3 ) not m3", "m3"));
    }

    #[test]
    fn engines() {
        assert!(eval("E@m\\d", "m1"));
        assert!(eval("P@os:(Debian|Ubuntu)", "m1"));
        assert!(eval("S@10.1.0.0/16", "m1"));
        assert!(eval("S@10.1.2.3", "m1"));
        assert!(eval("L@a,m1,b", "m1"));
        assert!(eval("G;@os;Debian", "m1"));
        assert!(!eval("I@role:web", "m1"));
        // A regex with its own parentheses is fine.
        assert!(eval("E@(m|n)1", "m1"));
    }

    #[test]
    fn split_engine_forms() {
        assert_eq!(split_engine("G@os:x"), Some(('G', None, "os:x")));
        assert_eq!(split_engine("G|@os|x"), Some(('G', Some('|'), "os|x")));
        assert_eq!(split_engine("L|@a"), None);
        assert_eq!(split_engine("web*"), None);
        assert_eq!(split_engine("G@"), Some(('G', None, "")));
        assert_eq!(split_engine("G@@x"), Some(('G', Some('@'), "x")));
    }

    #[test]
    fn grammar_errors() {
        for bad in [
            "",
            "and m1",
            "or m1",
            "m1 and",
            "m1 or",
            "not",
            "m1 m2",
            "( m1",
            "m1 )",
            "( )",
            "( and m1 )",
            "m1 and or m2",
            "( m1 ) ( m2 )",
        ] {
            match err(bad) {
                TargetError::BadCompound { target, reason } => {
                    assert_eq!(target, bad.split_whitespace().collect::<Vec<_>>().join(" "));
                    assert!(!reason.is_empty());
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        let msg = err("m1 m2").to_string();
        assert!(msg.contains("\"m2\""), "{msg}");
    }

    #[test]
    fn matcher_errors_name_the_word() {
        assert!(
            matches!(err("R@%foo"), TargetError::RangeUnsupported { word } if word == "R@%foo")
        );
        assert!(
            err("m1 and R@%foo")
                .to_string()
                .starts_with("range matching is not supported")
        );
        assert!(matches!(err("N@web"), TargetError::UnexpandedNodegroup { name } if name == "web"));
        assert!(matches!(err("E@(x"), TargetError::BadRegex { pattern, .. } if pattern == "(x"));
        assert!(matches!(err("S@1.2.3.4/40"), TargetError::BadCidr { .. }));
        assert!(matches!(err("G@os"), TargetError::MissingDelimiter { .. }));
        assert!(
            matches!(err("X@foo"), TargetError::BadCompound { target, .. } if target == "X@foo")
        );
        assert!(matches!(err("G@"), TargetError::BadCompound { .. }));
    }

    #[test]
    fn unspaced_parentheses_are_refused_with_a_hint() {
        let e = err("(m1 or m2)");
        assert!(e.to_string().contains("separate words"), "{e}");
        assert!(matches!(
            err("( m1 or G@os:Debian)"),
            TargetError::BadCompound { .. }
        ));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{} m1 {}", "( ".repeat(500), " )".repeat(500));
        assert!(matches!(err(&deep), TargetError::TooComplex { .. }));
        let nots = format!("{} m1", "not ".repeat(500));
        assert!(matches!(err(&nots), TargetError::TooComplex { .. }));
        let ok = format!("{} m1 {}", "( ".repeat(MAX_DEPTH), " )".repeat(MAX_DEPTH));
        assert!(eval(&ok, "m1"));
    }
}
