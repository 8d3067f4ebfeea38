//! Parser events to a node graph, one document at a time, as PyYAML's
//! composer builds it: scalars keep their raw text, style and tag, every node
//! keeps the mark where it starts (its anchor or tag if it has one), and an
//! alias is simply another reference to the anchored node. Nothing is
//! resolved or copied here; `construct` gives the nodes their meaning.
//!
//! Marks on every node (keys included) are what a later "where was this key
//! defined" report would read.

use std::collections::HashMap;

use granit_parser::{ErrorKind, Event, Parser, ScalarStyle, ScanError, Span, StrInput};

use crate::error::{Error, Mark, error_at};

/// Index of a node in [`Document::nodes`].
pub(crate) type NodeId = usize;

#[derive(Debug)]
pub(crate) enum Content {
    /// Raw scalar text; `plain` is true for an unquoted, non-block scalar.
    Scalar {
        value: String,
        plain: bool,
    },
    Seq(Vec<NodeId>),
    Map(Vec<(NodeId, NodeId)>),
}

#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) content: Content,
    /// The explicit tag, fully resolved (`tag:yaml.org,2002:str`, `!foo`);
    /// `!` is the non-specific tag.
    pub(crate) tag: Option<String>,
    pub(crate) mark: Mark,
}

impl Node {
    /// PyYAML's `node.id`, as its error messages name node kinds.
    pub(crate) fn kind(&self) -> &'static str {
        match self.content {
            Content::Scalar { .. } => "scalar",
            Content::Seq(_) => "sequence",
            Content::Map(_) => "mapping",
        }
    }
}

/// One document: its nodes and the root (`None` for an empty document).
#[derive(Debug)]
pub(crate) struct Document {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: Option<NodeId>,
    /// Where a collection (first) refers to a node by alias: (collection,
    /// node) -> the alias's mark, for errors about copies.
    pub(crate) alias_marks: HashMap<(NodeId, NodeId), Mark>,
}

/// Pulls documents from a parser.
pub(crate) struct Composer<'a> {
    source: &'a str,
    parser: Parser<'a, StrInput<'a>>,
    done: bool,
}

/// An open collection while composing.
struct Frame {
    id: NodeId,
    pending_key: Option<NodeId>,
}

impl<'a> Composer<'a> {
    pub(crate) fn new(source: &'a str) -> Self {
        let options = granit_parser::options! {
            emit_anchor_events: true,
            emit_comments: false,
        };
        Composer {
            source,
            parser: Parser::new_from_str_with_options(source, options),
            done: false,
        }
    }

    /// The next document and the mark where it starts, or `None` at the end
    /// of the stream.
    pub(crate) fn next_document(&mut self) -> Result<Option<(Document, Mark)>, Error> {
        if self.done {
            return Ok(None);
        }
        // Skip to the next DocumentStart or the StreamEnd.
        let start = loop {
            let (event, span) = self.next_event()?;
            match event {
                Event::DocumentStart(..) => break Mark::from_marker(&span.start),
                Event::StreamEnd => {
                    self.done = true;
                    return Ok(None);
                }
                _ => {}
            }
        };
        let mut doc = Document {
            nodes: Vec::new(),
            root: None,
            alias_marks: HashMap::new(),
        };
        let mut stack: Vec<Frame> = Vec::new();
        let mut anchors: HashMap<usize, NodeId> = HashMap::new();
        let mut anchor_names: HashMap<String, Mark> = HashMap::new();
        loop {
            let (event, span) = self.next_event()?;
            let is_seq = matches!(event, Event::SequenceStart(..));
            let node = match event {
                Event::DocumentEnd => return Ok(Some((doc, start))),
                Event::StreamEnd => {
                    self.done = true;
                    return Ok(Some((doc, start)));
                }
                Event::Scalar(value, style, anchor, tag) => {
                    // The parser writes an empty node as `~`; libyaml, whose
                    // text Salt's merge keys compare, leaves it empty.
                    let empty = span.start.index() == span.end.index();
                    let value = if empty && tag.is_none() && value == "~" {
                        String::new()
                    } else {
                        value.into_owned()
                    };
                    if empty && anchor == 0 && tag.is_none() {
                        self.reject_empty_implicit_key(&doc, &stack, &span)?;
                    }
                    let id = push_node(
                        &mut doc,
                        Content::Scalar {
                            value,
                            plain: style == ScalarStyle::Plain,
                        },
                        tag.map(|t| format!("{}{}", t.handle(), t.suffix())),
                        &span,
                    );
                    if anchor != 0 {
                        anchors.insert(anchor, id);
                    }
                    Some(id)
                }
                Event::SequenceStart(_, anchor, tag) | Event::MappingStart(_, anchor, tag) => {
                    let content = if is_seq {
                        Content::Seq(Vec::new())
                    } else {
                        Content::Map(Vec::new())
                    };
                    let tag = tag.map(|t| format!("{}{}", t.handle(), t.suffix()));
                    let id = push_node(&mut doc, content, tag, &span);
                    if anchor != 0 {
                        anchors.insert(anchor, id);
                    }
                    attach(&mut doc, &mut stack, id);
                    stack.push(Frame {
                        id,
                        pending_key: None,
                    });
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    stack.pop();
                    None
                }
                Event::Anchor(id, name) => {
                    let mark = Mark::from_marker(&span.start);
                    // libyaml allows only ASCII letters, digits, `-` and `_`.
                    if let Some(bad) = name
                        .chars()
                        .position(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    {
                        let at = Mark {
                            line: mark.line,
                            col: mark.col + 1 + bad,
                        };
                        return Err(error_at(
                            self.source,
                            at,
                            "did not find expected alphabetic or numeric character (anchor names are letters, digits, '-' and '_')",
                        ));
                    }
                    if let Some(first) = anchor_names.get(name.as_ref()) {
                        return Err(error_at(
                            self.source,
                            mark,
                            format!(
                                "found duplicate anchor '{name}'; first occurrence at line {}, column {}",
                                first.line, first.col
                            ),
                        ));
                    }
                    anchor_names.insert(name.into_owned(), mark);
                    if let Some(&node) = anchors.get(&id) {
                        let n = &mut doc.nodes[node];
                        n.mark = n.mark.min(mark);
                    }
                    None
                }
                Event::Alias(anchor) => {
                    let mark = Mark::from_marker(&span.start);
                    let Some(&target) = anchors.get(&anchor) else {
                        return Err(error_at(self.source, mark, "found undefined alias"));
                    };
                    if stack.iter().any(|f| f.id == target) {
                        return Err(error_at(
                            self.source,
                            mark,
                            "found a recursive alias (a collection that contains itself), which JSON data cannot hold",
                        ));
                    }
                    if let Some(parent) = stack.last() {
                        doc.alias_marks.entry((parent.id, target)).or_insert(mark);
                    }
                    Some(target)
                }
                Event::UnresolvedAlias(_) => {
                    let mark = Mark::from_marker(&span.start);
                    return Err(error_at(self.source, mark, "found undefined alias"));
                }
                _ => None,
            };
            if let Some(id) = node {
                attach(&mut doc, &mut stack, id);
            }
        }
    }

    /// libyaml, unlike YAML 1.2 parsers, wants something before a mapping's
    /// `:` unless an explicit `?` marks the key: `: value` is "did not find
    /// expected key" in Salt, `? \n: value` a null key.
    fn reject_empty_implicit_key(
        &self,
        doc: &Document,
        stack: &[Frame],
        span: &Span,
    ) -> Result<(), Error> {
        let Some(frame) = stack.last() else {
            return Ok(());
        };
        let is_key =
            matches!(doc.nodes[frame.id].content, Content::Map(_)) && frame.pending_key.is_none();
        let Some(offset) = span.start.byte_offset() else {
            return Ok(());
        };
        if !is_key
            || !self.source[offset..].starts_with(':')
            || explicit_key_before(&self.source[..offset])
        {
            return Ok(());
        }
        let flow = self.source[..offset].trim_end().ends_with(['{', '[', ',']);
        let message = if flow {
            "did not find expected node content (nothing before ':')"
        } else {
            "did not find expected key (nothing before ':')"
        };
        Err(error_at(
            self.source,
            Mark::from_marker(&span.start),
            message,
        ))
    }

    fn next_event(&mut self) -> Result<(Event<'a>, Span), Error> {
        match self.parser.next() {
            Some(Ok(pair)) => Ok(pair),
            Some(Err(e)) => {
                self.done = true;
                Err(scan_error(self.source, &e))
            }
            None => {
                self.done = true;
                Ok((Event::StreamEnd, Span::default()))
            }
        }
    }
}

/// Adds a node, its mark the earliest of its tag and its content.
fn push_node(doc: &mut Document, content: Content, tag: Option<String>, span: &Span) -> NodeId {
    let mut mark = Mark::from_marker(&span.start);
    if let Some(t) = span.tag_start() {
        mark = mark.min(Mark::from_marker(&t));
    }
    doc.nodes.push(Node { content, tag, mark });
    doc.nodes.len() - 1
}

/// Makes `id` the next child of the innermost open collection, or the root.
fn attach(doc: &mut Document, stack: &mut [Frame], id: NodeId) {
    let Some(frame) = stack.last_mut() else {
        doc.root = Some(id);
        return;
    };
    match &mut doc.nodes[frame.id].content {
        Content::Seq(items) => items.push(id),
        Content::Map(pairs) => match frame.pending_key.take() {
            Some(key) => pairs.push((key, id)),
            None => frame.pending_key = Some(id),
        },
        Content::Scalar { .. } => {}
    }
}

/// Whether the text before an empty key's `:` ends with a `?` indicator
/// (blank lines and comment-only lines between them allowed).
fn explicit_key_before(before: &str) -> bool {
    for (i, line) in before.rsplit('\n').enumerate() {
        let line = if i == 0 {
            line
        } else {
            // A whole-line comment, or a comment after the `?`.
            match line
                .find(" #")
                .or_else(|| line.starts_with('#').then_some(0))
            {
                Some(at) => &line[..at],
                None => line,
            }
        };
        let content = line.trim_matches([' ', '\t', '\r']);
        if content.is_empty() {
            continue;
        }
        let Some(rest) = content.strip_suffix('?') else {
            return false;
        };
        return rest.is_empty() || rest.ends_with([' ', '\t', '{', '[', ',']);
    }
    false
}

fn scan_error(source: &str, e: &ScanError) -> Error {
    let mark = Mark::from_marker(e.marker());
    if matches!(e.kind(), ErrorKind::TabInPlainScalar) {
        // The parser points at the scalar; libyaml (and the user) at the tab
        // that starts a following line.
        if let Some(tab) = tab_in_indentation_after(source, mark.line) {
            return error_at(
                source,
                tab,
                "found a tab character that violates indentation (YAML indents with spaces only)",
            );
        }
    }
    let message = match e.kind() {
        ErrorKind::UnknownAnchor => "found undefined alias".to_owned(),
        ErrorKind::TabInBlockIndentation | ErrorKind::TabInIndentation => {
            "found a tab character in indentation (YAML indents with spaces only)".to_owned()
        }
        kind => kind.to_string(),
    };
    error_at(source, mark, message)
}

/// The first tab in the leading whitespace of a line after `line`.
fn tab_in_indentation_after(source: &str, line: usize) -> Option<Mark> {
    source
        .split('\n')
        .enumerate()
        .skip(line)
        .find_map(|(i, text)| {
            let indent = text.len() - text.trim_start_matches([' ', '\t']).len();
            text[..indent].find('\t').map(|at| Mark {
                line: i + 1,
                col: text[..at].chars().count() + 1,
            })
        })
}
