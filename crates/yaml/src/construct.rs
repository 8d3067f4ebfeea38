//! A composed document to JSON data, as Salt's `SaltYamlSafeLoader` (with
//! the SLS renderer's ordered dicts) constructs Python objects: tags
//! resolved, merge keys flattened Salt's way, duplicate keys rejected with
//! Salt's "found conflicting ID" error, non-string keys given the text
//! Python's `json.dumps` prints for them.
//!
//! Where Python objects have no JSON form, the choices are documented in
//! docs/differences.md: infinities and NaN become the strings `inf`, `-inf`,
//! `nan`; integers past 64 bits become their decimal text; `!!binary`
//! becomes its UTF-8 text; `!!set` a mapping to nulls; `!!pairs` a list of
//! `[key, value]` lists.
//!
//! Aliases are expanded by copying, so copies are budgeted ([`Limits`]), and
//! so is nesting depth.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use serde_json::{Map, Number, Value};

use crate::Limits;
use crate::compose::{Content, Document, NodeId};
use crate::error::{Error, Mark, error_at};
use crate::pyfloat::float_repr;
use crate::resolve::{self, Implicit, Int};

/// Builds the JSON value of `doc`'s root (`null` for an empty document).
pub(crate) fn construct(doc: &mut Document, source: &str, limits: &Limits) -> Result<Value, Error> {
    let Some(root) = doc.root else {
        return Ok(Value::Null);
    };
    let tags = doc.nodes.iter().map(resolve_tag).collect();
    let mut c = Constructor {
        source,
        limits,
        tags,
        flattened: vec![false; doc.nodes.len()],
        built: vec![false; doc.nodes.len()],
        copied: 0,
    };
    c.value(doc, root, 0, None, root)
}

/// What a node's tag asks for, after PyYAML's resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tag {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Timestamp,
    Binary,
    Merge,
    Value,
    Seq,
    Map,
    Set,
    Pairs,
    /// No constructor: the full tag, for the error.
    Unknown(String),
}

/// A scalar as Python holds it, before it becomes JSON (keys need the
/// distinction between `1`, `1.0`, `True` and `'1'`).
#[derive(Debug, Clone)]
enum Py {
    None,
    Bool(bool),
    Int(Int),
    Float(f64),
    Str(String),
}

/// Python's key equality (`1 == 1.0 == True`, NaN unequal to itself) as a
/// hashable value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyId {
    None,
    Int(i128),
    Big(String),
    Float(u64),
    Nan,
    Str(String),
}

struct Constructor<'s, 'l> {
    source: &'s str,
    limits: &'l Limits,
    tags: Vec<Tag>,
    flattened: Vec<bool>,
    /// Nodes constructed once already: building one again is an alias copy.
    built: Vec<bool>,
    /// Bytes (estimated) copied through aliases so far.
    copied: usize,
}

/// What one copied node costs against the alias budget, besides its text.
const NODE_COST: usize = 32;

const CORE: &str = "tag:yaml.org,2002:";

fn resolve_tag(node: &crate::compose::Node) -> Tag {
    let explicit = node.tag.as_deref().filter(|t| *t != "!");
    let Some(tag) = explicit else {
        // Untagged, or the non-specific `!` (libyaml then resolves any
        // scalar style as if plain).
        return match &node.content {
            Content::Scalar { value, plain } => {
                if *plain || node.tag.is_some() {
                    match resolve::resolve_plain(value) {
                        Implicit::Bool => Tag::Bool,
                        Implicit::Float => Tag::Float,
                        Implicit::Int => Tag::Int,
                        Implicit::Merge => Tag::Merge,
                        Implicit::Null => Tag::Null,
                        Implicit::Timestamp => Tag::Timestamp,
                        Implicit::Value => Tag::Value,
                        Implicit::Str => Tag::Str,
                    }
                } else {
                    Tag::Str
                }
            }
            Content::Seq(_) => Tag::Seq,
            Content::Map(_) => Tag::Map,
        };
    };
    match tag.strip_prefix(CORE) {
        Some("null") => Tag::Null,
        Some("bool") => Tag::Bool,
        Some("int") => Tag::Int,
        Some("float") => Tag::Float,
        Some("str" | "python/unicode") => Tag::Str,
        Some("timestamp") => Tag::Timestamp,
        Some("binary") => Tag::Binary,
        Some("merge") => Tag::Merge,
        Some("value") => Tag::Value,
        Some("seq") => Tag::Seq,
        // The SLS renderer's ordered dicts make `!!omap` a plain mapping.
        Some("map" | "omap") => Tag::Map,
        Some("set") => Tag::Set,
        Some("pairs") => Tag::Pairs,
        _ => Tag::Unknown(tag.to_owned()),
    }
}

impl Constructor<'_, '_> {
    fn err(&self, mark: Mark, message: impl Into<String>) -> Error {
        error_at(self.source, mark, message)
    }

    /// Counts a node against the depth limit and, when it is a copy, against
    /// the alias budget. `copy` is where the copy being built started (the
    /// alias), `parent` the collection that refers to `id`. Returns `copy`
    /// for the node's children.
    fn enter(
        &mut self,
        doc: &Document,
        id: NodeId,
        depth: usize,
        copy: Option<Mark>,
        parent: NodeId,
    ) -> Result<Option<Mark>, Error> {
        let node = &doc.nodes[id];
        if depth > self.limits.max_depth {
            return Err(self.err(
                node.mark,
                format!(
                    "data nested deeper than {} levels (through aliases?)",
                    self.limits.max_depth
                ),
            ));
        }
        let copy = match copy {
            Some(at) => Some(at),
            // Built once already: through an alias, or as a merged pair.
            None if self.built[id] => Some(
                doc.alias_marks
                    .get(&(parent, id))
                    .copied()
                    .unwrap_or(doc.nodes[parent].mark),
            ),
            None => None,
        };
        self.built[id] = true;
        if let Some(at) = copy {
            let text = match &node.content {
                Content::Scalar { value, .. } => value.len(),
                _ => 0,
            };
            self.copied = self.copied.saturating_add(NODE_COST + text);
            if self.copied > self.limits.max_alias_bytes {
                return Err(self.err(
                    at,
                    format!(
                        "aliases expand to more than {} bytes of data (an alias bomb?)",
                        self.limits.max_alias_bytes
                    ),
                ));
            }
        }
        Ok(copy)
    }

    fn value(
        &mut self,
        doc: &mut Document,
        id: NodeId,
        depth: usize,
        copy: Option<Mark>,
        parent: NodeId,
    ) -> Result<Value, Error> {
        let copy = self.enter(doc, id, depth, copy, parent)?;
        let tag = self.tags[id].clone();
        let node = &doc.nodes[id];
        let mark = node.mark;
        let kind = node.kind();
        match (&tag, &node.content) {
            (Tag::Seq, Content::Seq(items)) => {
                let items = items.clone();
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.value(doc, item, depth + 1, copy, id)?);
                }
                Ok(Value::Array(out))
            }
            (Tag::Seq, _) => {
                Err(self.err(mark, format!("expected a sequence node, but found {kind}")))
            }
            (Tag::Map, Content::Map(_)) => self.mapping(doc, id, depth, copy, false),
            (Tag::Set, Content::Map(_)) => self.mapping(doc, id, depth, copy, true),
            (Tag::Map | Tag::Set, _) => {
                Err(self.err(mark, format!("expected a mapping node, but found {kind}")))
            }
            (Tag::Pairs, _) => self.pairs(doc, id, depth, copy),
            (Tag::Unknown(t), _) => Err(self.err(
                mark,
                format!("could not determine a constructor for the tag '{t}'"),
            )),
            (Tag::Merge | Tag::Value, _) => {
                let name = if tag == Tag::Merge { "merge" } else { "value" };
                Err(self.err(
                    mark,
                    format!("could not determine a constructor for the tag '{CORE}{name}'"),
                ))
            }
            (_, Content::Scalar { .. }) => Ok(py_to_json(self.scalar(doc, id)?)),
            (_, _) => Err(self.err(mark, format!("expected a scalar node, but found {kind}"))),
        }
    }

    /// A scalar node with a scalar tag, as Python would hold it.
    fn scalar(&self, doc: &Document, id: NodeId) -> Result<Py, Error> {
        let node = &doc.nodes[id];
        let Content::Scalar { value, .. } = &node.content else {
            return Err(self.err(
                node.mark,
                format!("expected a scalar node, but found {}", node.kind()),
            ));
        };
        let bad = |m: String| self.err(node.mark, m);
        Ok(match self.tags[id] {
            Tag::Null => Py::None,
            Tag::Bool => Py::Bool(resolve::construct_bool(value).map_err(bad)?),
            Tag::Int => Py::Int(resolve::construct_int(value).map_err(bad)?),
            Tag::Float => Py::Float(resolve::construct_float(value).map_err(bad)?),
            Tag::Binary => Py::Str(decode_binary(value).map_err(bad)?),
            _ => Py::Str(value.clone()),
        })
    }

    fn mapping(
        &mut self,
        doc: &mut Document,
        id: NodeId,
        depth: usize,
        copy: Option<Mark>,
        set: bool,
    ) -> Result<Value, Error> {
        self.flatten(doc, id, depth)?;
        let Content::Map(pairs) = &doc.nodes[id].content else {
            return Ok(Value::Null);
        };
        let pairs = pairs.clone();
        let mut out = Map::new();
        let mut seen: HashSet<KeyId> = HashSet::new();
        // Text of a non-string key -> that key's Python form (a string key
        // is its own text).
        let mut non_str: HashMap<String, String> = HashMap::new();
        for (k, v) in pairs {
            let key_mark = doc.nodes[k].mark;
            let key = self.key(doc, k, depth + 1, copy, id)?;
            let value = self.value(doc, v, depth + 1, copy, id)?;
            let value = if set { Value::Null } else { value };
            if !seen.insert(key_id(&key)) {
                return Err(self.err(key_mark, format!("found conflicting ID '{}'", py_str(&key))));
            }
            let text = json_key(&key);
            if out.contains_key(&text) {
                let first = non_str
                    .get(&text)
                    .cloned()
                    .unwrap_or_else(|| format!("'{text}'"));
                return Err(self.err(
                    key_mark,
                    format!(
                        "found conflicting ID '{text}': keys {first} and {} are different to Salt, but salt-rs keeps mapping keys as text",
                        py_repr(&key)
                    ),
                ));
            }
            if !matches!(key, Py::Str(_)) {
                non_str.insert(text.clone(), py_repr(&key));
            }
            out.insert(text, value);
        }
        Ok(Value::Object(out))
    }

    /// A mapping key: any scalar (collections cannot be Python dict keys).
    fn key(
        &mut self,
        doc: &mut Document,
        id: NodeId,
        depth: usize,
        copy: Option<Mark>,
        parent: NodeId,
    ) -> Result<Py, Error> {
        let node = &doc.nodes[id];
        let mark = node.mark;
        let scalar_tag = matches!(
            self.tags[id],
            Tag::Null | Tag::Bool | Tag::Int | Tag::Float | Tag::Str | Tag::Timestamp | Tag::Binary
        );
        if scalar_tag && matches!(node.content, Content::Scalar { .. }) {
            self.enter(doc, id, depth, copy, parent)?;
            return self.scalar(doc, id);
        }
        // Build it anyway: its own errors come first, as in PyYAML.
        let value = self.value(doc, id, depth, copy, parent)?;
        let what = match value {
            Value::Array(_) => "a sequence",
            Value::Object(_) => "a mapping",
            _ => "this",
        };
        let hint = if what == "a mapping" {
            " (Jinja's '{{ }}' left in the YAML?)"
        } else {
            ""
        };
        Err(self.err(
            mark,
            format!("found unacceptable key: {what} cannot be a mapping key{hint}"),
        ))
    }

    /// Salt's `flatten_mapping`: `<<` keys are removed and the pairs of the
    /// mapping (or mappings, last first) they name are put in front, minus
    /// those whose key text the mapping itself has; `=` keys become strings.
    fn flatten(&mut self, doc: &mut Document, id: NodeId, depth: usize) -> Result<(), Error> {
        if self.flattened[id] {
            return Ok(());
        }
        self.flattened[id] = true;
        if depth > self.limits.max_depth {
            return Err(self.err(doc.nodes[id].mark, "merge keys nested too deeply"));
        }
        let Content::Map(pairs) = &doc.nodes[id].content else {
            return Ok(());
        };
        let pairs = pairs.clone();
        let mut own = Vec::with_capacity(pairs.len());
        let mut merge: Vec<(NodeId, NodeId)> = Vec::new();
        let mut has_merge = false;
        for (k, v) in pairs {
            match self.tags[k] {
                Tag::Merge => {
                    has_merge = true;
                    match &doc.nodes[v].content {
                        Content::Map(_) => {
                            self.flatten(doc, v, depth + 1)?;
                            merge.extend(map_pairs(doc, v));
                        }
                        Content::Seq(items) => {
                            let items = items.clone();
                            let mut sub = Vec::new();
                            for item in items {
                                let node = &doc.nodes[item];
                                if !matches!(node.content, Content::Map(_)) {
                                    return Err(self.err(
                                        node.mark,
                                        format!(
                                            "expected a mapping for merging, but found {}",
                                            node.kind()
                                        ),
                                    ));
                                }
                                self.flatten(doc, item, depth + 1)?;
                                sub.push(map_pairs(doc, item));
                            }
                            for pairs in sub.into_iter().rev() {
                                merge.extend(pairs);
                            }
                        }
                        Content::Scalar { .. } => {
                            return Err(self.err(
                                doc.nodes[v].mark,
                                "expected a mapping or list of mappings for merging, but found scalar",
                            ));
                        }
                    }
                }
                Tag::Value => {
                    self.tags[k] = Tag::Str;
                    own.push((k, v));
                }
                _ => own.push((k, v)),
            }
        }
        if has_merge {
            let existing: HashSet<&str> =
                own.iter().filter_map(|(k, _)| raw_text(doc, *k)).collect();
            let mut flat: Vec<(NodeId, NodeId)> = merge
                .into_iter()
                .filter(|(k, _)| raw_text(doc, *k).is_none_or(|t| !existing.contains(t)))
                .collect();
            flat.extend(own);
            if let Content::Map(pairs) = &mut doc.nodes[id].content {
                *pairs = flat;
            }
        }
        Ok(())
    }

    /// PyYAML's `!!pairs`: a sequence of one-pair mappings, kept as a list
    /// of `[key, value]`.
    fn pairs(
        &mut self,
        doc: &mut Document,
        id: NodeId,
        depth: usize,
        copy: Option<Mark>,
    ) -> Result<Value, Error> {
        let node = &doc.nodes[id];
        let Content::Seq(items) = &node.content else {
            return Err(self.err(
                node.mark,
                format!("expected a sequence, but found {}", node.kind()),
            ));
        };
        let items = items.clone();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let node = &doc.nodes[item];
            let pair = match &node.content {
                Content::Map(pairs) if pairs.len() == 1 => pairs[0],
                Content::Map(pairs) => {
                    return Err(self.err(
                        node.mark,
                        format!(
                            "expected a single mapping item, but found {} items",
                            pairs.len()
                        ),
                    ));
                }
                _ => {
                    return Err(self.err(
                        node.mark,
                        format!("expected a mapping of length 1, but found {}", node.kind()),
                    ));
                }
            };
            let copy = self.enter(doc, item, depth + 1, copy, id)?;
            let k = self.value(doc, pair.0, depth + 2, copy, item)?;
            let v = self.value(doc, pair.1, depth + 2, copy, item)?;
            out.push(Value::Array(vec![k, v]));
        }
        Ok(Value::Array(out))
    }
}

fn map_pairs(doc: &Document, id: NodeId) -> Vec<(NodeId, NodeId)> {
    match &doc.nodes[id].content {
        Content::Map(pairs) => pairs.clone(),
        _ => Vec::new(),
    }
}

/// A scalar key's source text (what Salt's merge compares).
fn raw_text(doc: &Document, id: NodeId) -> Option<&str> {
    match &doc.nodes[id].content {
        Content::Scalar { value, .. } => Some(value),
        _ => None,
    }
}

/// Python's `base64.decodebytes`, which skips characters outside the
/// alphabet but wants correct padding; the bytes must be UTF-8 text.
fn decode_binary(text: &str) -> Result<String, String> {
    if !text.is_ascii() {
        return Err("failed to convert base64 data into ascii".to_owned());
    }
    let clean: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
    );
    let data_chars = clean.trim_end_matches('=').len();
    let bytes = engine.decode(clean.as_bytes()).map_err(|e| {
        // binascii's words, which Salt's error shows.
        let why = match e {
            base64::DecodeError::InvalidLength(_) if data_chars % 4 == 1 => format!(
                "Invalid base64-encoded string: number of data characters ({data_chars}) cannot be 1 more than a multiple of 4"
            ),
            base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidPadding => {
                "Incorrect padding".to_owned()
            }
            other => other.to_string(),
        };
        format!("failed to decode base64 data: {why}")
    })?;
    String::from_utf8(bytes).map_err(|_| {
        "!!binary data that is not UTF-8 text has no JSON form (salt-rs keeps data as JSON)"
            .to_owned()
    })
}

fn py_to_json(p: Py) -> Value {
    match p {
        Py::None => Value::Null,
        Py::Bool(b) => Value::Bool(b),
        Py::Int(i) => int_to_json(i),
        Py::Float(f) => match Number::from_f64(f) {
            Some(n) => Value::Number(n),
            None => Value::String(float_repr(f)),
        },
        Py::Str(s) => Value::String(s),
    }
}

fn int_to_json(i: Int) -> Value {
    match i {
        Int::Small(v) => {
            if let Ok(n) = i64::try_from(v) {
                Value::Number(n.into())
            } else if let Ok(n) = u64::try_from(v) {
                Value::Number(n.into())
            } else {
                Value::String(v.to_string())
            }
        }
        Int::Big(s) => Value::String(s),
    }
}

/// Python's key equality for `key`.
fn key_id(key: &Py) -> KeyId {
    match key {
        Py::None => KeyId::None,
        Py::Bool(b) => KeyId::Int(i128::from(*b)),
        Py::Int(Int::Small(i)) => KeyId::Int(*i),
        Py::Int(Int::Big(s)) => KeyId::Big(s.clone()),
        // PyYAML builds every `.nan` as the same float object, and a
        // dict finds a key by identity first: two NaN keys collide.
        Py::Float(f) if f.is_nan() => KeyId::Nan,
        Py::Float(f) if f.fract() == 0.0 && f.abs() < 1e38 => {
            // Integral and well inside i128: the cast is exact.
            #[allow(clippy::cast_possible_truncation)]
            KeyId::Int(*f as i128)
        }
        Py::Float(f) => KeyId::Float(f.to_bits()),
        Py::Str(s) => KeyId::Str(s.clone()),
    }
}

/// The text `json.dumps` gives a dict key.
fn json_key(key: &Py) -> String {
    match key {
        Py::None => "null".to_owned(),
        Py::Bool(b) => b.to_string(),
        Py::Int(Int::Small(i)) => i.to_string(),
        Py::Int(Int::Big(s)) | Py::Str(s) => s.clone(),
        Py::Float(f) if f.is_nan() => "NaN".to_owned(),
        Py::Float(f) if f.is_infinite() => {
            if *f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
        }
        Py::Float(f) => float_repr(*f),
    }
}

/// Python's `str(key)`, as Salt's duplicate-key message prints it.
fn py_str(key: &Py) -> String {
    match key {
        Py::None => "None".to_owned(),
        Py::Bool(true) => "True".to_owned(),
        Py::Bool(false) => "False".to_owned(),
        Py::Int(Int::Small(i)) => i.to_string(),
        Py::Int(Int::Big(s)) | Py::Str(s) => s.clone(),
        Py::Float(f) => float_repr(*f),
    }
}

/// Python's `repr(key)`, to tell `1` from `'1'` in messages.
fn py_repr(key: &Py) -> String {
    match key {
        Py::Str(s) => format!("'{s}'"),
        other => py_str(other),
    }
}
