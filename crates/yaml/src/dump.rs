//! Salt's YAML dumper: `yaml.dump(data, Dumper=SafeOrderedDumper,
//! allow_unicode=True, ...)`, i.e. PyYAML's SafeRepresenter on libyaml's
//! emitter (`CSafeDumper`). This reproduces libyaml's emitter: its scalar
//! style choice (plain, single- or double-quoted, see `analyze`),
//! indentation (sequences inside mappings are not indented), folding of long
//! scalars past column 80, and flow or block collections as
//! `default_flow_style` asks. The `--out yaml` outputter and the Jinja
//! `yaml` filter both print through it.

use serde_json::Value;

use crate::analyze::{Analysis, analyze, is_break, is_simple_key, is_yaml_printable, represent};
use crate::quote::dquote_escape;
use crate::resolve::resolves_implicitly;

/// PyYAML's `default_flow_style`: which collections are written in flow
/// style (`{a: 1}`, `[1, 2]`) rather than block style (one item a line).
/// Empty collections are always flow (`{}`, `[]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DumpStyle {
    /// `default_flow_style=False`: block style throughout (`| yaml(False)`,
    /// `--out yaml`).
    Block,
    /// `default_flow_style=True`: flow style throughout (`| yaml`, the
    /// filter's default).
    Flow,
    /// `default_flow_style=None` (`salt.utils.yaml.safe_dump`'s default):
    /// flow for a collection whose children are all scalars, block otherwise.
    #[default]
    Default,
}

/// Everything `dump_with` can vary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DumpOptions {
    /// Flow or block collections.
    pub style: DumpStyle,
    /// Spaces per level; libyaml honours 2 to 9 and uses 2 otherwise.
    pub indent: usize,
    /// Sort mapping keys, as PyYAML does for plain dicts (`sort_keys=True`).
    /// `false` keeps the map's order, as PyYAML does for Salt's ordered dicts.
    pub sort_keys: bool,
}

impl Default for DumpOptions {
    fn default() -> Self {
        DumpOptions {
            style: DumpStyle::Default,
            indent: 2,
            sort_keys: true,
        }
    }
}

/// Dumps `value` as `salt.utils.yaml.safe_dump(value, default_flow_style=...)`
/// does for plain (unordered) dicts: keys sorted, indent 2, width 80, ending
/// in a newline.
pub fn dump(value: &Value, style: DumpStyle) -> String {
    dump_with(
        value,
        &DumpOptions {
            style,
            ..DumpOptions::default()
        },
    )
}

/// [`dump`] with every option.
pub fn dump_with(value: &Value, options: &DumpOptions) -> String {
    let best_indent = if (2..=9).contains(&options.indent) {
        i32::try_from(options.indent).unwrap_or(2)
    } else {
        2
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
        style: options.style,
        sort_keys: options.sort_keys,
    };
    e.emit_node(value, Ctx::default());
    // Implicit document end: finish the last line.
    e.indent = -1;
    e.write_indent();
    e.out
}

/// Salt's Jinja `yaml` filter (`format_yaml`): `safe_dump` with
/// `default_flow_style=flow_style`, stripped of surrounding whitespace and of
/// a final `...` document end line. `{{ x | yaml }}` is `format_yaml(x, true)`,
/// `{{ x | yaml(False) }}` is `format_yaml(x, false)`.
pub fn format_yaml(value: &Value, flow_style: bool) -> String {
    let style = if flow_style {
        DumpStyle::Flow
    } else {
        DumpStyle::Block
    };
    let text = dump(value, style);
    let text = text.trim_matches(is_py_space);
    text.strip_suffix("\n...").unwrap_or(text).to_owned()
}

/// Python's `str.isspace()`, for `str.strip()`.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
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
    style: DumpStyle,
    sort_keys: bool,
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

    /// Whether a collection with these children is written in flow style:
    /// always inside flow, when empty, or as the style asks (PyYAML's
    /// `default_flow_style=None` picks flow when every child is a scalar).
    fn flow<'v>(&self, mut children: impl ExactSizeIterator<Item = &'v Value>) -> bool {
        if self.flow_level > 0 || children.len() == 0 {
            return true;
        }
        match self.style {
            DumpStyle::Block => false,
            DumpStyle::Flow => true,
            DumpStyle::Default => {
                children.all(|v| !matches!(v, Value::Array(_) | Value::Object(_)))
            }
        }
    }

    fn emit_node(&mut self, value: &Value, ctx: Ctx) {
        match value {
            Value::Array(items) => {
                if self.flow(items.iter()) {
                    self.emit_flow_sequence(items);
                } else {
                    self.emit_block_sequence(items, ctx);
                }
            }
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                if self.sort_keys {
                    entries.sort_by(|a, b| a.0.cmp(b.0));
                }
                if self.flow(map.values()) {
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
                for e in dquote_escape(c).chars() {
                    self.put(e);
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn y(v: Value) -> String {
        dump(&v, DumpStyle::Block)
    }

    fn indented(v: Value, indent: usize) -> String {
        dump_with(
            &v,
            &DumpOptions {
                style: DumpStyle::Block,
                indent,
                sort_keys: true,
            },
        )
    }

    // Every expected text below was produced by PyYAML 6.0 with libyaml
    // (CSafeDumper, allow_unicode=True, default_flow_style=False). A date-like
    // string is quoted: the timestamp resolver is in place in Salt
    // (`salt-call --out yaml test.echo 2024-01-01` prints `'2024-01-01'`).

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
        assert_eq!(indented(json!({"a": {"b": 1}}), 4), "a:\n    b: 1\n");
        assert_eq!(indented(json!({"a": [{"b": 1}]}), 4), "a:\n-   b: 1\n");
        assert_eq!(indented(json!({"a": {"b": 1}}), 0), "a:\n  b: 1\n");
    }

    #[test]
    fn flow_style_when_indent_negative() {
        assert_eq!(
            dump(
                &json!({"a": {"b": [1, 2, "x y"]}, "c": {}}),
                DumpStyle::Flow
            ),
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
            "a: \"tab\\there\"\nb: \"emoji \\U0001F600\"\nc: é\nd: '2024-01-01'\ne: '1.5'\nf: 'yes'\ng: ''\nh: null\ni: 1.0e+20\nj: 1.0\nk: '- x'\nl: 'a: b'\nm: '#x'\nn: 'a #b'\no: ' lead'\np: 'trail '\nq: 'x\n\n  '\nr: '\n\n\n  x\n\n\n  '\ns: it's\nt: '12'\nu: '0x1F'\nv: '~'\nw: a:b\nx: '[x]'\ny: x,y\nz: -x\n"
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
