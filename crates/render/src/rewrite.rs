//! The loader's pre-pass over template source, run on every template before
//! minijinja compiles it (the SLS file itself and everything it imports).
//!
//! minijinja has no custom tags and immutable literals, so two rewrites turn
//! Salt's Jinja into plain minijinja, token by token (minijinja's own lexer,
//! so strings, comments and `{% raw %}` are never touched):
//!
//! 1. Salt's serializer tags become `set` statements calling helper
//!    functions (`env.rs` registers them):
//!    `{% import_yaml EXPR as x %}` -> `{% set x = __salt_import("yaml", EXPR) %}`
//!    (also `import_json`, `import_text`), and
//!    `{% load_yaml as x %}BODY{% endload %}` ->
//!    `{% set x %}BODY{% endset %}{% set x = __salt_load("yaml", x) %}`
//!    (also `load_json`, `load_text`); `{% profile as 'label' %}` and
//!    `{% endprofile %}` are dropped.
//! 2. Every dict and list literal in an expression is wrapped as
//!    `__salt_mut({...})` / `__salt_mut([...])`, which makes it one of the
//!    mutable containers of `value.rs`; and Python's `%` formatting of a
//!    string literal, `"%s-%s" % (a, b)`, becomes `__salt_pyfmt("%s-%s", (a, b))`
//!    (minijinja's `%` is only arithmetic).
//!
//! Neither rewrite adds or removes a newline, so line numbers in errors are
//! the user's. Columns move right on a rewritten line; [`ColumnMap`] maps them
//! back. Source that does not tokenize is returned unchanged: minijinja then
//! reports the syntax error itself, at the right place.

use minijinja::machinery::{Span, Token, Tokenizer};
use minijinja::syntax::SyntaxConfig;

/// The rewritten source and how to map its columns back to the original.
#[derive(Debug, Clone)]
pub struct Rewritten {
    /// Source for minijinja.
    pub source: String,
    /// Inserted text per line, for mapping columns back.
    pub columns: ColumnMap,
}

/// Where each rewrite changed text: per rewrite, `(line, column in its
/// input, change in length)` in order.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    layers: Vec<Vec<(usize, usize, isize)>>,
}

impl ColumnMap {
    /// The original 1-based column of a 1-based column of rewritten `line`.
    pub fn original(&self, line: usize, col: usize) -> usize {
        let mut col_i = isize::try_from(col).unwrap_or(isize::MAX);
        for layer in self.layers.iter().rev() {
            let mut shift: isize = 0;
            for &(l, at, delta) in layer {
                if l != line {
                    continue;
                }
                let at_new = isize::try_from(at).unwrap_or(isize::MAX) + shift;
                if col_i > at_new {
                    shift += delta;
                }
            }
            col_i -= shift;
        }
        usize::try_from(col_i.max(1)).unwrap_or(1)
    }
}

/// Runs both rewrites over `source`.
pub fn rewrite(source: &str, name: &str, syntax: &SyntaxConfig) -> Rewritten {
    let tags = rewrite_tags(source, name, syntax);
    let (source, mut columns) = match tags {
        Some((s, c)) => (s, c),
        None => (source.to_owned(), ColumnMap::default()),
    };
    match wrap_literals(&source, name, syntax) {
        Some((wrapped, lits)) => {
            columns.layers.extend(lits.layers);
            Rewritten {
                source: wrapped,
                columns,
            }
        }
        None => Rewritten { source, columns },
    }
}

/// Name of the function the literal wrapper calls.
pub const MUT_FN: &str = "__salt_mut";
/// Name of the function behind `"fmt" % args`.
pub const PYFMT_FN: &str = "__salt_pyfmt";
/// Name of the function behind `import_yaml`/`import_json`/`import_text`.
pub const IMPORT_FN: &str = "__salt_import";
/// Name of the function behind `load_yaml`/`load_json`/`load_text`.
pub const LOAD_FN: &str = "__salt_load";

struct Tok<'s> {
    token: Token<'s>,
    span: Span,
}

fn tokens<'s>(source: &'s str, name: &'s str, syntax: &SyntaxConfig) -> Option<Vec<Tok<'s>>> {
    let mut tz = Tokenizer::new(source, name, false, syntax.clone());
    let mut out = Vec::new();
    loop {
        match tz.next_token() {
            Ok(Some((token, span))) => out.push(Tok { token, span }),
            Ok(None) => return Some(out),
            Err(_) => return None,
        }
    }
}

fn text<'s>(source: &'s str, span: &Span) -> &'s str {
    let start = span.start_offset as usize;
    let end = span.end_offset as usize;
    source.get(start..end).unwrap_or("")
}

struct Edit {
    start: usize,
    end: usize,
    text: String,
    line: usize,
    col: usize,
}

fn apply(source: &str, mut edits: Vec<Edit>) -> (String, ColumnMap) {
    edits.sort_by_key(|e| e.start);
    let mut out = String::with_capacity(source.len() + edits.len() * 16);
    let mut layer = Vec::new();
    let mut pos = 0;
    for e in edits {
        if e.start < pos {
            continue;
        }
        out.push_str(&source[pos..e.start]);
        out.push_str(&e.text);
        let removed = e.end - e.start;
        let delta =
            isize::try_from(e.text.len()).unwrap_or(0) - isize::try_from(removed).unwrap_or(0);
        layer.push((e.line, e.col, delta));
        pos = e.end;
    }
    out.push_str(&source[pos..]);
    (
        out,
        ColumnMap {
            layers: vec![layer],
        },
    )
}

const IMPORT_TAGS: [(&str, &str); 3] = [
    ("import_yaml", "yaml"),
    ("import_json", "json"),
    ("import_text", "text"),
];
const LOAD_TAGS: [(&str, &str); 3] = [
    ("load_yaml", "yaml"),
    ("load_json", "json"),
    ("load_text", "text"),
];

/// Rewrite 1; `None` when there is nothing to rewrite or the source does
/// not tokenize.
fn rewrite_tags(source: &str, name: &str, syntax: &SyntaxConfig) -> Option<(String, ColumnMap)> {
    if !["import_", "load_", "profile", "endload"]
        .iter()
        .any(|w| source.contains(w))
    {
        return None;
    }
    let toks = tokens(source, name, syntax)?;
    let mut edits = Vec::new();
    let mut load_stack: Vec<(String, &str)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !matches!(toks[i].token, Token::BlockStart) {
            i += 1;
            continue;
        }
        let Some(end) = (i + 1..toks.len()).find(|&j| matches!(toks[j].token, Token::BlockEnd))
        else {
            break;
        };
        let open = text(source, &toks[i].span);
        let close = text(source, &toks[end].span);
        let start = toks[i].span.start_offset as usize;
        let stop = toks[end].span.end_offset as usize;
        let line = toks[i].span.start_line as usize;
        let col = toks[i].span.start_col as usize + 1;
        let inner = &toks[i + 1..end];
        let tag = match inner.first().map(|t| &t.token) {
            Some(Token::Ident(tag)) => *tag,
            _ => {
                i = end + 1;
                continue;
            }
        };
        let replacement = if let Some((_, fmt)) = IMPORT_TAGS.iter().find(|(t, _)| *t == tag) {
            import_replacement(source, inner, fmt).map(|(expr, target)| {
                format!("{open} set {target} = {IMPORT_FN}(\"{fmt}\", {expr}) {close}")
            })
        } else if let Some((_, fmt)) = LOAD_TAGS.iter().find(|(t, _)| *t == tag) {
            match inner {
                [_, as_, target] if is_ident(as_, "as") => match &target.token {
                    Token::Ident(t) => {
                        load_stack.push(((*t).to_owned(), fmt));
                        Some(format!("{open} set {t} {close}"))
                    }
                    _ => None,
                },
                _ => None,
            }
        } else if tag == "endload" && inner.len() == 1 {
            // The block delimiters without their whitespace-control marks.
            let bs = open.trim_end_matches(['-', '+']);
            let be = close.trim_start_matches(['-', '+']);
            load_stack.pop().map(|(target, fmt)| {
                format!(
                    "{open} endset {be}{bs} set {target} = {LOAD_FN}(\"{fmt}\", {target}) {close}"
                )
            })
        } else if tag == "profile" || tag == "endprofile" {
            Some(comment_for(open, close))
        } else {
            None
        };
        if let Some(text) = replacement {
            edits.push(Edit {
                start,
                end: stop,
                text,
                line,
                col,
            });
        }
        i = end + 1;
    }
    if edits.is_empty() {
        return None;
    }
    Some(apply(source, edits))
}

/// `import_yaml EXPR as NAME [with|without context]`: the text of `EXPR`
/// and `NAME`.
fn import_replacement<'s>(
    source: &'s str,
    inner: &[Tok<'s>],
    _fmt: &str,
) -> Option<(&'s str, &'s str)> {
    let mut rest = &inner[1..];
    if let [.., a, b] = rest
        && (is_ident(a, "with") || is_ident(a, "without"))
        && is_ident(b, "context")
    {
        rest = &rest[..rest.len() - 2];
    }
    let [expr @ .., as_, target] = rest else {
        return None;
    };
    if !is_ident(as_, "as") || expr.is_empty() {
        return None;
    }
    let Token::Ident(target) = target.token else {
        return None;
    };
    let first = expr.first()?;
    let last = expr.last()?;
    let expr_text = source.get(first.span.start_offset as usize..last.span.end_offset as usize)?;
    Some((expr_text, target))
}

/// A comment with the same whitespace control as the block it replaces.
fn comment_for(open: &str, close: &str) -> String {
    let lead = if open.ends_with('-') { "-" } else { "" };
    let trail = if close.starts_with('-') { "-" } else { "" };
    format!("{{#{lead} profile {trail}#}}")
}

fn is_ident(t: &Tok<'_>, word: &str) -> bool {
    matches!(t.token, Token::Ident(w) if w == word)
}

/// Words after which `[` starts a list literal rather than a subscript.
const KEYWORDS: [&str; 22] = [
    "in",
    "and",
    "or",
    "not",
    "is",
    "if",
    "else",
    "elif",
    "do",
    "for",
    "include",
    "set",
    "with",
    "return",
    "print",
    "import",
    "from",
    "extends",
    "filter",
    "call",
    "recursive",
    "as",
];

/// Rewrite 2; `None` when there is no literal or the source does not
/// tokenize.
fn wrap_literals(source: &str, name: &str, syntax: &SyntaxConfig) -> Option<(String, ColumnMap)> {
    if !source.contains('[') && !source.contains('{') && !source.contains('%') {
        return None;
    }
    let toks = tokens(source, name, syntax)?;
    let mut edits = Vec::new();
    percent_formats(&toks, &mut edits);
    // Open brackets: (is a literal we wrapped, kind).
    let mut stack: Vec<(bool, u8)> = Vec::new();
    let mut prev: Option<&Token<'_>> = None;
    for t in &toks {
        let offset_start = t.span.start_offset as usize;
        let offset_end = t.span.end_offset as usize;
        let line = t.span.start_line as usize;
        let col = t.span.start_col as usize + 1;
        let end_line = t.span.end_line as usize;
        let end_col = t.span.end_col as usize + 1;
        match &t.token {
            Token::BraceOpen => {
                edits.push(insert(offset_start, format!("{MUT_FN}("), line, col));
                stack.push((true, b'{'));
            }
            Token::BracketOpen => {
                let literal = !prev.is_some_and(ends_operand);
                if literal {
                    edits.push(insert(offset_start, format!("{MUT_FN}("), line, col));
                }
                stack.push((literal, b'['));
            }
            Token::ParenOpen => stack.push((false, b'(')),
            Token::BraceClose | Token::BracketClose | Token::ParenClose => {
                if let Some((true, _)) = stack.pop() {
                    edits.push(insert(offset_end, ")".to_owned(), end_line, end_col));
                }
            }
            Token::VariableStart | Token::BlockStart => stack.clear(),
            _ => {}
        }
        prev = Some(&t.token);
    }
    if edits.is_empty() {
        return None;
    }
    Some(apply(source, edits))
}

/// Edits turning `"fmt" % operand` into `__salt_pyfmt("fmt", operand)`.
fn percent_formats(toks: &[Tok<'_>], edits: &mut Vec<Edit>) {
    for i in 0..toks.len().saturating_sub(2) {
        if !matches!(toks[i].token, Token::Str(_) | Token::String(_))
            || !matches!(toks[i + 1].token, Token::Mod)
        {
            continue;
        }
        let Some(end) = operand_end(toks, i + 2) else {
            continue;
        };
        let (s, m, e) = (&toks[i].span, &toks[i + 1].span, &toks[end].span);
        edits.push(insert(
            s.start_offset as usize,
            format!("{PYFMT_FN}("),
            s.start_line as usize,
            s.start_col as usize + 1,
        ));
        edits.push(Edit {
            start: m.start_offset as usize,
            end: m.end_offset as usize,
            text: ",".to_owned(),
            line: m.start_line as usize,
            col: m.start_col as usize + 1,
        });
        edits.push(insert(
            e.end_offset as usize,
            ")".to_owned(),
            e.end_line as usize,
            e.end_col as usize + 1,
        ));
    }
}

/// The last token of the operand starting at `j`: an optional sign, a
/// primary (name, literal, or bracketed group), then attribute, subscript,
/// call and filter postfixes, as Jinja binds the right side of `%`.
fn operand_end(toks: &[Tok<'_>], mut j: usize) -> Option<usize> {
    while matches!(toks.get(j)?.token, Token::Minus | Token::Plus) {
        j += 1;
    }
    let mut end = match toks.get(j)?.token {
        Token::Ident(_)
        | Token::Str(_)
        | Token::String(_)
        | Token::Int(_)
        | Token::Int128(_)
        | Token::Float(_) => j,
        Token::ParenOpen | Token::BracketOpen | Token::BraceOpen => matching(toks, j)?,
        _ => return None,
    };
    loop {
        match toks.get(end + 1).map(|t| &t.token) {
            Some(Token::Dot)
                if matches!(
                    toks.get(end + 2).map(|t| &t.token),
                    Some(Token::Ident(_) | Token::Int(_))
                ) =>
            {
                end += 2
            }
            Some(Token::BracketOpen | Token::ParenOpen) => end = matching(toks, end + 1)?,
            Some(Token::Pipe)
                if matches!(toks.get(end + 2).map(|t| &t.token), Some(Token::Ident(_))) =>
            {
                end += 2;
                if matches!(toks.get(end + 1).map(|t| &t.token), Some(Token::ParenOpen)) {
                    end = matching(toks, end + 1)?;
                }
            }
            _ => return Some(end),
        }
    }
}

/// The index of the bracket closing the one at `open`.
fn matching(toks: &[Tok<'_>], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        match t.token {
            Token::ParenOpen | Token::BracketOpen | Token::BraceOpen => depth += 1,
            Token::ParenClose | Token::BracketClose | Token::BraceClose => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(k);
                }
            }
            Token::VariableEnd | Token::BlockEnd => return None,
            _ => {}
        }
    }
    None
}

fn insert(at: usize, text: String, line: usize, col: usize) -> Edit {
    Edit {
        start: at,
        end: at,
        text,
        line,
        col,
    }
}

/// Whether a `[` after this token indexes the value before it.
fn ends_operand(t: &Token<'_>) -> bool {
    match t {
        Token::Ident(w) => !KEYWORDS.contains(w),
        Token::Str(_)
        | Token::String(_)
        | Token::Int(_)
        | Token::Int128(_)
        | Token::Float(_)
        | Token::ParenClose
        | Token::BracketClose
        | Token::BraceClose => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(s: &str) -> String {
        rewrite(s, "t", &SyntaxConfig::default()).source
    }

    #[test]
    fn literals_are_wrapped_and_subscripts_are_not() {
        assert_eq!(rw("{{ {} }}"), "{{ __salt_mut({}) }}");
        assert_eq!(
            rw("{% set x = {'a': [1, {'b': 2}]} %}"),
            "{% set x = __salt_mut({'a': __salt_mut([1, __salt_mut({'b': 2})])}) %}"
        );
        assert_eq!(rw("{{ x['a'][0] }}"), "{{ x['a'][0] }}");
        assert_eq!(rw("{{ f()[0] }}"), "{{ f()[0] }}");
        assert_eq!(rw("{{ x in ['a'] }}"), "{{ x in __salt_mut(['a']) }}");
        assert_eq!(rw("{{ [1][0] }}"), "{{ __salt_mut([1])[0] }}");
        assert_eq!(rw("{{ x[1:] }}"), "{{ x[1:] }}");
    }

    #[test]
    fn template_data_strings_and_raw_are_untouched() {
        assert_eq!(rw("a: {b: [1]}\n{{ '{[' }}"), "a: {b: [1]}\n{{ '{[' }}");
        assert_eq!(
            rw("{% raw %}{{ [1] }}{% endraw %}"),
            "{% raw %}{{ [1] }}{% endraw %}"
        );
        assert_eq!(rw("{# [1] #}x"), "{# [1] #}x");
    }

    #[test]
    fn salt_tags_become_sets_on_the_same_lines() {
        assert_eq!(
            rw("{% import_yaml 'a/b.yaml' as b %}"),
            "{% set b = __salt_import(\"yaml\", 'a/b.yaml') %}"
        );
        assert_eq!(
            rw("{%- import_json tplroot ~ '/x.json' as x with context -%}"),
            "{%- set x = __salt_import(\"json\", tplroot ~ '/x.json') -%}"
        );
        let src = "{% load_yaml as y %}\na: 1\n{%- endload %}\nz";
        let out = rw(src);
        assert_eq!(
            out,
            "{% set y %}\na: 1\n{%- endset %}{% set y = __salt_load(\"yaml\", y) %}\nz"
        );
        assert_eq!(out.lines().count(), src.lines().count());
        assert_eq!(
            rw("{%- profile as 'x' %}a{% endprofile -%}"),
            "{#- profile #}a{# profile -#}"
        );
    }

    #[test]
    fn percent_format_of_string_literals() {
        assert_eq!(
            rw("{{ '%s-%s' % (a, b) }}"),
            "{{ __salt_pyfmt('%s-%s' , (a, b)) }}"
        );
        assert_eq!(
            rw("{{ 'x' ~ '%d' % n.count | int ~ 'y' }}"),
            "{{ 'x' ~ __salt_pyfmt('%d' , n.count | int) ~ 'y' }}"
        );
        assert_eq!(
            rw("{{ '%s' % [1] }}"),
            "{{ __salt_pyfmt('%s' , __salt_mut([1])) }}"
        );
        assert_eq!(rw("{{ 7 % 3 }}"), "{{ 7 % 3 }}");
        assert_eq!(
            rw("{{ '%s' % f(x)[0] }}"),
            "{{ __salt_pyfmt('%s' , f(x)[0]) }}"
        );
    }

    #[test]
    fn load_tags_with_other_delimiters() {
        let syntax = SyntaxConfig::builder()
            .block_delimiters("<%", "%>")
            .build()
            .unwrap();
        let out = rewrite("<% load_text as t %>x<% endload %>", "t", &syntax).source;
        assert_eq!(
            out,
            "<% set t %>x<% endset %><% set t = __salt_load(\"text\", t) %>"
        );
    }

    #[test]
    fn broken_source_is_left_alone() {
        assert_eq!(rw("{{ 'unterminated }}"), "{{ 'unterminated }}");
    }

    #[test]
    fn columns_map_back() {
        let r = rewrite("{{ [1] + x }}", "t", &SyntaxConfig::default());
        assert_eq!(r.source, "{{ __salt_mut([1]) + x }}");
        // `x` is at column 22 in the rewritten line, 10 in the original.
        assert_eq!(r.columns.original(1, 22), 10);
        assert_eq!(r.columns.original(1, 1), 1);
    }
}
