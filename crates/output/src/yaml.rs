//! Salt's `yaml` outputter: `yaml.dump(data, Dumper=SafeOrderedDumper,
//! default_flow_style=False, allow_unicode=True)`. Salt's dumper is PyYAML's
//! libyaml-backed `CSafeDumper` with the timestamp resolver removed, so this
//! module reproduces libyaml's emitter: its scalar analysis and style choice
//! (plain, single- or double-quoted), indentation (sequences inside mappings
//! are not indented), folding of long scalars past column 80, and flow style
//! for empty collections or when `--out-indent` is negative.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::pyrepr;

/// Dumps `value` as Salt's yaml outputter does. `indent` is `--out-indent`:
/// `None` for the default, `>= 0` for the indent width (libyaml only honours
/// 2 to 9), negative for flow style.
pub(crate) fn dump(value: &Value, indent: Option<i64>) -> String {
    let (flow, best_indent) = match indent {
        None => (false, 2),
        Some(n) if n >= 0 => (false, if (2..=9).contains(&n) { n as i32 } else { 2 }),
        Some(_) => (true, 2),
    };
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
        indent: -1,
        indents: Vec::new(),
        flow_level: 0,
        best_indent,
        best_width: 80,
        default_flow: flow,
    };
    e.emit_node(value, Ctx::default());
    // Implicit document end: finish the last line.
    e.indent = -1;
    e.write_indent();
    e.out
}

/// The context flags libyaml passes down to each node.
#[derive(Clone, Copy, Default)]
struct Ctx {
    mapping: bool,
    simple_key: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
}

/// What libyaml's `yaml_emitter_analyze_scalar` learns about a string.
#[derive(Debug, PartialEq, Eq)]
struct Analysis {
    multiline: bool,
    flow_plain: bool,
    block_plain: bool,
    single_quoted: bool,
}

struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: i32,
    indents: Vec<i32>,
    flow_level: usize,
    best_indent: i32,
    best_width: usize,
    default_flow: bool,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn write_indent(&mut self) {
        let indent = usize::try_from(self.indent.max(0)).unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { self.best_indent } else { 0 };
        } else if !indentless {
            self.indent += self.best_indent;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn emit_node(&mut self, value: &Value, ctx: Ctx) {
        match value {
            Value::Array(items) => {
                if self.flow_level > 0 || self.default_flow || items.is_empty() {
                    self.emit_flow_sequence(items);
                } else {
                    self.emit_block_sequence(items, ctx);
                }
            }
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                if self.flow_level > 0 || self.default_flow || entries.is_empty() {
                    self.emit_flow_mapping(&entries);
                } else {
                    self.emit_block_mapping(&entries);
                }
            }
            scalar => {
                let (text, plain_implicit) = represent(scalar);
                self.emit_scalar(&text, plain_implicit, ctx);
            }
        }
    }

    fn emit_block_sequence(&mut self, items: &[Value], ctx: Ctx) {
        let indentless = ctx.mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_node(item, Ctx::default());
        }
        self.pop_indent();
    }

    fn emit_block_mapping(&mut self, entries: &[(&String, &Value)]) {
        self.increase_indent(false, false);
        for (key, value) in entries {
            self.write_indent();
            if is_simple_key(key) {
                self.emit_key(key, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.emit_key(key, false);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.emit_node(
                value,
                Ctx {
                    mapping: true,
                    simple_key: false,
                },
            );
        }
        self.pop_indent();
    }

    fn emit_flow_sequence(&mut self, items: &[Value]) {
        self.write_indicator("[", true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.column > self.best_width {
                self.write_indent();
            }
            self.emit_node(item, Ctx::default());
        }
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator("]", false, false, false);
    }

    fn emit_flow_mapping(&mut self, entries: &[(&String, &Value)]) {
        self.write_indicator("{", true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        for (i, (key, value)) in entries.iter().enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.column > self.best_width {
                self.write_indent();
            }
            if is_simple_key(key) {
                self.emit_key(key, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, false);
                self.emit_key(key, false);
                if self.column > self.best_width {
                    self.write_indent();
                }
                self.write_indicator(":", true, false, false);
            }
            self.emit_node(
                value,
                Ctx {
                    mapping: true,
                    simple_key: false,
                },
            );
        }
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator("}", false, false, false);
    }

    fn emit_key(&mut self, key: &str, simple: bool) {
        let plain_implicit = !resolves_implicitly(key);
        self.emit_scalar(
            key,
            plain_implicit,
            Ctx {
                mapping: true,
                simple_key: simple,
            },
        );
    }

    fn emit_scalar(&mut self, text: &str, plain_implicit: bool, ctx: Ctx) {
        let analysis = analyze(text);
        let style = self.select_style(&analysis, plain_implicit, text.is_empty(), ctx.simple_key);
        self.increase_indent(true, false);
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(text, allow_breaks),
            Style::Single => self.write_single_quoted(text, allow_breaks),
            Style::Double => self.write_double_quoted(text, allow_breaks),
        }
        self.pop_indent();
    }

    fn select_style(
        &self,
        a: &Analysis,
        plain_implicit: bool,
        empty: bool,
        simple_key: bool,
    ) -> Style {
        let mut style = Style::Plain;
        if simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            let in_flow = self.flow_level > 0;
            if (in_flow && !a.flow_plain) || (!in_flow && !a.block_plain) {
                style = Style::Single;
            }
            if empty && (in_flow || simple_key) {
                style = Style::Single;
            }
            if !plain_implicit {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single_quoted {
            style = Style::Double;
        }
        style
    }

    fn write_plain(&mut self, text: &str, allow_breaks: bool) {
        if !self.whitespace && (!text.is_empty() || self.flow_level > 0) {
            self.put(' ');
        }
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > self.best_width && !next_is_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                self.indention = false;
                spaces = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let last = chars.len().saturating_sub(1);
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i != 0
                    && i != last
                    && !next_is_space
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                if c == '\'' {
                    self.put('\'');
                }
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if breaks {
            self.write_indent();
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let last = chars.len().saturating_sub(1);
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_yaml_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let short = match c {
                    '\0' => Some('0'),
                    '\u{07}' => Some('a'),
                    '\u{08}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{0b}' => Some('v'),
                    '\u{0c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match short {
                    Some(s) => self.put(s),
                    None => {
                        let cp = u32::from(c);
                        let escaped = if cp <= 0xff {
                            format!("x{cp:02X}")
                        } else if cp <= 0xffff {
                            format!("u{cp:04X}")
                        } else {
                            format!("U{cp:08X}")
                        };
                        for e in escaped.chars() {
                            self.put(e);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.best_width && i != 0 && i != last {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }
}

/// libyaml's simple-key test for a string key: at most 128 bytes, one line.
fn is_simple_key(key: &str) -> bool {
    key.len() <= 128 && !analyze(key).multiline
}

/// The scalar text and whether a plain (unquoted) rendering would read back
/// as the same type, as PyYAML's SafeRepresenter and resolver decide.
fn represent(value: &Value) -> (String, bool) {
    match value {
        Value::Null => ("null".to_owned(), true),
        Value::Bool(b) => (if *b { "true" } else { "false" }.to_owned(), true),
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            let text = if f.is_nan() {
                ".nan".to_owned()
            } else if f.is_infinite() {
                if f > 0.0 { ".inf" } else { "-.inf" }.to_owned()
            } else {
                let r = pyrepr::float_repr(f).to_lowercase();
                if !r.contains('.') && r.contains('e') {
                    r.replacen('e', ".0e", 1)
                } else {
                    r
                }
            };
            (text, true)
        }
        Value::Number(n) => (pyrepr::number_repr(n), true),
        Value::String(s) => (s.clone(), !resolves_implicitly(s)),
        // Containers never reach here.
        other => (pyrepr::repr(other), true),
    }
}

/// PyYAML's implicit resolvers (YAML 1.1 bool, float, int, merge, null,
/// value; Salt drops the timestamp one): a string matching any of them must be
/// quoted to stay a string. Python's `$` also matches before a final newline.
fn resolves_implicitly(s: &str) -> bool {
    static RESOLVERS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
        [
            r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\n?$",
            r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\n?$",
            r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\n?$",
            r"^(?:<<)\n?$",
            r"^(?:~|null|Null|NULL|)\n?$",
            r"^(?:=)\n?$",
        ]
        .iter()
        .filter_map(|re| Regex::new(re).ok())
        .collect()
    });
    RESOLVERS.iter().any(|re| re.is_match(s))
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: Option<&char>) -> bool {
    match c {
        None => true,
        Some(&c) => c == ' ' || c == '\t' || c == '\0' || is_break(c),
    }
}

/// libyaml's `IS_PRINTABLE`: no control characters but `\n`, nothing outside
/// the BMP, no BOM or non-characters.
fn is_yaml_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        && c != '\u{feff}'
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain: false,
            block_plain: true,
            single_quoted: true,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let last = chars.len() - 1;
    let mut block_indicators = false;
    let mut flow_indicators = false;
    if s.starts_with("---") || s.starts_with("...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut followed_by_whitespace = is_blankz(chars.get(1));
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                flow_indicators = true;
                block_indicators = true;
            }
            if c == '?' || c == ':' {
                flow_indicators = true;
                if followed_by_whitespace {
                    block_indicators = true;
                }
            }
            if c == '-' && followed_by_whitespace {
                flow_indicators = true;
                block_indicators = true;
            }
        } else {
            if ",?[]{}".contains(c) {
                flow_indicators = true;
            }
            if c == ':' {
                flow_indicators = true;
                if followed_by_whitespace {
                    block_indicators = true;
                }
            }
            if c == '#' && preceded_by_whitespace {
                flow_indicators = true;
                block_indicators = true;
            }
        }
        if !is_yaml_printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(Some(&c));
        followed_by_whitespace = is_blankz(chars.get(i + 2));
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain: true,
        block_plain: true,
        single_quoted: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if break_space {
        a.flow_plain = false;
        a.block_plain = false;
        a.single_quoted = false;
    }
    if space_break || special {
        a.flow_plain = false;
        a.block_plain = false;
        a.single_quoted = false;
    }
    if line_breaks {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if flow_indicators {
        a.flow_plain = false;
    }
    if block_indicators {
        a.block_plain = false;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn y(v: Value) -> String {
        dump(&v, None)
    }

    // Every expected text below was produced by PyYAML 6.0 with libyaml
    // (CSafeDumper, allow_unicode=True, default_flow_style=False, the
    // timestamp resolver removed as in Salt's SafeOrderedDumper).

    #[test]
    fn block_layout() {
        assert_eq!(y(json!({"minion1": true})), "minion1: true\n");
        assert_eq!(
            y(json!({"b": {"x": 1, "a": null}, "a": [1, [2, 3], {"d": 1, "c": []}, {}]})),
            "a:\n- 1\n- - 2\n  - 3\n- c: []\n  d: 1\n- {}\nb:\n  a: null\n  x: 1\n"
        );
    }

    #[test]
    fn custom_indent() {
        assert_eq!(dump(&json!({"a": {"b": 1}}), Some(4)), "a:\n    b: 1\n");
        assert_eq!(dump(&json!({"a": [{"b": 1}]}), Some(4)), "a:\n-   b: 1\n");
        assert_eq!(dump(&json!({"a": {"b": 1}}), Some(0)), "a:\n  b: 1\n");
    }

    #[test]
    fn flow_style_when_indent_negative() {
        assert_eq!(
            dump(&json!({"a": {"b": [1, 2, "x y"]}, "c": {}}), Some(-1)),
            "{a: {b: [1, 2, x y]}, c: {}}\n"
        );
    }

    #[test]
    fn scalar_styles() {
        let v = json!({
            "a": "tab\there", "b": "emoji \u{1F600}", "c": "é", "d": "2024-01-01",
            "e": "1.5", "f": "yes", "g": "", "h": null, "i": 1e20, "j": 1.0,
            "k": "- x", "l": "a: b", "m": "#x", "n": "a #b", "o": " lead",
            "p": "trail ", "q": "x\n", "r": "\n\nx\n\n", "s": "it's", "t": "12",
            "u": "0x1F", "v": "~", "w": "a:b", "x": "[x]", "y": "x,y", "z": "-x"
        });
        assert_eq!(
            y(v),
            "a: \"tab\\there\"\nb: \"emoji \\U0001F600\"\nc: é\nd: 2024-01-01\ne: '1.5'\nf: 'yes'\ng: ''\nh: null\ni: 1.0e+20\nj: 1.0\nk: '- x'\nl: 'a: b'\nm: '#x'\nn: 'a #b'\no: ' lead'\np: 'trail '\nq: 'x\n\n  '\nr: '\n\n\n  x\n\n\n  '\ns: it's\nt: '12'\nu: '0x1F'\nv: '~'\nw: a:b\nx: '[x]'\ny: x,y\nz: -x\n"
        );
    }

    #[test]
    fn multiline_values_are_single_quoted_with_blank_lines() {
        assert_eq!(y(json!({"a": "x\ny"})), "a: 'x\n\n  y'\n");
        assert_eq!(y(json!({"a": {"b": "x\ny"}})), "a:\n  b: 'x\n\n    y'\n");
        assert_eq!(y(json!({"a": ["x\ny"]})), "a:\n- 'x\n\n  y'\n");
        assert_eq!(y(json!("x\ny")), "'x\n\n  y'\n");
        // A space before a break forces double quotes.
        assert_eq!(y(json!({"a": "x \ny"})), "a: \"x \\ny\"\n");
    }

    #[test]
    fn long_scalars_fold_past_column_80() {
        let words = "word ".repeat(30);
        assert_eq!(
            y(json!({"a": words.trim_end()})),
            "a: word word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word\n"
        );
        assert_eq!(
            y(json!({"a": words})),
            "a: 'word word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word '\n"
        );
    }

    #[test]
    fn keys_that_need_quotes() {
        assert_eq!(
            y(json!({"true": 1, "a b": 2, "": 3})),
            "'': 3\na b: 2\n'true': 1\n"
        );
        assert_eq!(y(json!({"a\nb": 1})), "? 'a\n\n  b'\n: 1\n");
    }

    #[test]
    fn top_level_scalars() {
        assert_eq!(y(json!("abc")), "abc\n");
        assert_eq!(y(json!(5)), "5\n");
        assert_eq!(y(json!([])), "[]\n");
    }
}
