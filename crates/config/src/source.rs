//! Reads the config files of one daemon and merges them the way Salt does.
//!
//! A daemon reads `DIR/<name>` and then every `DIR/<name>.d/*.conf` in name
//! order (Salt's `default_include`). The included files are merged with each
//! other deeply (mappings merged key by key, lists joined without
//! duplicates), and the result then replaces the main file's top-level keys
//! one by one. Every top-level key keeps the file and line it came from, so
//! later errors and warnings can point at it.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

use crate::error::ConfigError;

/// One top-level `key: value` of a file.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub line: u64,
    pub value: Value,
}

/// One parsed file.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
}

/// The files of one daemon: the main file (if it exists) and the included
/// ones in the order they are merged.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    pub main: Option<SourceFile>,
    pub includes: Vec<SourceFile>,
}

impl Sources {
    /// Every file, main first, in merge order.
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.main.iter().chain(self.includes.iter())
    }
}

/// Where a merged top-level key was last set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub file: PathBuf,
    pub line: u64,
}

/// Reads and parses `DIR/<name>` and `DIR/<name>.d/*.conf`. A missing main
/// file or include directory is not an error. Parse errors of all files are
/// collected.
pub(crate) fn read_sources(config_dir: &Path, name: &str) -> Result<Sources, ConfigError> {
    let mut errors = Vec::new();
    let mut sources = Sources::default();

    let main_path = config_dir.join(name);
    match fs::read_to_string(&main_path) {
        Ok(text) => match parse(&main_path, &text) {
            Ok(entries) => {
                sources.main = Some(SourceFile {
                    path: main_path,
                    entries,
                })
            }
            Err(e) => errors.push(e),
        },
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(source) => errors.push(ConfigError::Io {
            path: main_path,
            source,
        }),
    }

    let include_dir = config_dir.join(format!("{name}.d"));
    match include_files(&include_dir) {
        Ok(paths) => {
            for path in paths {
                match fs::read_to_string(&path) {
                    Ok(text) => match parse(&path, &text) {
                        Ok(entries) => sources.includes.push(SourceFile { path, entries }),
                        Err(e) => errors.push(e),
                    },
                    Err(source) => errors.push(ConfigError::Io { path, source }),
                }
            }
        }
        Err(source) => errors.push(ConfigError::Io {
            path: include_dir,
            source,
        }),
    }

    match ConfigError::from_list(errors) {
        Some(e) => Err(e),
        None => Ok(sources),
    }
}

/// Parses one file's text into its top-level entries. An empty document or
/// `~` gives no entries.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, ConfigError> {
    let options = serde_saphyr::options! { with_snippet: false };
    match serde_saphyr::from_str_with_options::<Option<TopLevel>>(text, options) {
        Ok(doc) => Ok(doc.map(|d| d.0).unwrap_or_default()),
        Err(e) => {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            Err(ConfigError::Syntax {
                file: path.to_path_buf(),
                line,
                column,
                message: clean_message(&e.without_snippet().to_string()),
            })
        }
    }
}

/// Merges the files Salt's way; see the module doc. Keys keep the position
/// of their first appearance.
pub(crate) fn merge(sources: &Sources) -> IndexMap<String, (Value, Origin)> {
    let mut included: IndexMap<String, (Value, Origin)> = IndexMap::new();
    for file in &sources.includes {
        for entry in &file.entries {
            let origin = Origin {
                file: file.path.clone(),
                line: entry.line,
            };
            match included.get_mut(&entry.key) {
                Some((value, old)) => {
                    deep_update(value, &entry.value);
                    *old = origin;
                }
                None => {
                    included.insert(entry.key.clone(), (entry.value.clone(), origin));
                }
            }
        }
    }

    let mut merged: IndexMap<String, (Value, Origin)> = IndexMap::new();
    if let Some(main) = &sources.main {
        for entry in &main.entries {
            let origin = Origin {
                file: main.path.clone(),
                line: entry.line,
            };
            merged.insert(entry.key.clone(), (entry.value.clone(), origin));
        }
    }
    for (key, value) in included {
        merged.insert(key, value);
    }
    merged
}

/// The top level of a config file: keys with their lines, values as JSON.
struct TopLevel(Vec<Entry>);

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = TopLevel;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping of config keys")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let value = map.next_value::<Value>()?;
                    entries.push(Entry {
                        line: key.referenced.line(),
                        key: key.value,
                        value,
                    });
                }
                Ok(TopLevel(entries))
            }
        }
        d.deserialize_map(EntriesVisitor)
    }
}

/// The `*.conf` regular files of an include directory, sorted by name.
/// Hidden files are skipped, as a shell glob skips them. A missing directory
/// (or a file in its place) means no includes.
fn include_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let read = match fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(e),
    };
    let mut files = Vec::new();
    for entry in read {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') || !name.ends_with(".conf") {
            continue;
        }
        let path = entry.path();
        if fs::metadata(&path).map(|m| m.is_file()).unwrap_or(false) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Salt's `dictupdate.update(dest, upd, recursive_update=True,
/// merge_lists=True)` for one value: mappings merge key by key, lists gain
/// the items they lack, anything else is replaced.
fn deep_update(dest: &mut Value, src: &Value) {
    match (dest, src) {
        (Value::Object(d), Value::Object(s)) => {
            for (k, sv) in s {
                match d.get_mut(k) {
                    Some(dv) => deep_update(dv, sv),
                    None => {
                        d.insert(k.clone(), sv.clone());
                    }
                }
            }
        }
        (Value::Array(d), Value::Array(s)) => {
            for item in s {
                if !d.contains(item) {
                    d.push(item.clone());
                }
            }
        }
        (dest, src) => *dest = src.clone(),
    }
}

/// Drops the parser's own location suffix (we print file:line:col in front)
/// and advice meant for programmers rather than for people editing a file.
fn clean_message(raw: &str) -> String {
    let mut msg = raw;
    if let Some((head, tail)) = msg.rsplit_once(" at line ")
        && tail.starts_with(|c: char| c.is_ascii_digit())
    {
        msg = head;
    }
    if let Some((head, _)) = msg.split_once(", set DuplicateKeyPolicy") {
        msg = head;
    }
    if msg == "expected mapping start" {
        return "expected a mapping of config keys at the top level".to_owned();
    }
    msg.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(text: &str) -> Result<Vec<Entry>, ConfigError> {
        parse(Path::new("/c/master"), text)
    }

    #[test]
    fn empty_and_null_documents_have_no_entries() {
        for text in ["", "~\n", "# only a comment\n", "---\n"] {
            assert!(p(text).unwrap().is_empty(), "{text:?}");
        }
    }

    #[test]
    fn entries_keep_key_lines() {
        let e = p("# head\na: 1\n\nb:\n  - x\n  - z\nc: yes\n").unwrap();
        let got: Vec<_> = e.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(got, [("a", 2), ("b", 4), ("c", 7)]);
        assert_eq!(e[1].value, json!(["x", "z"]));
        assert_eq!(e[2].value, json!(true));
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = p("a: 1\nb: [1, 2\n").unwrap_err();
        let ConfigError::Syntax {
            line,
            column,
            message,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!((*line, *column), (2, 4));
        assert!(!message.contains(" at line "), "{message}");
        assert!(err.to_string().starts_with("/c/master:2:4: "), "{err}");
    }

    #[test]
    fn duplicate_key_and_non_mapping_messages() {
        let err = p("a: 1\na: 2\n").unwrap_err().to_string();
        assert_eq!(err, "/c/master:2:1: duplicate mapping key: a");
        let err = p("- a\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "/c/master:1:1: expected a mapping of config keys at the top level"
        );
    }

    #[test]
    fn deep_update_is_salts() {
        let mut d = json!({"a": {"x": 1, "l": [1, 2]}, "s": "old"});
        deep_update(&mut d, &json!({"a": {"y": 2, "l": [2, 3]}, "s": "new"}));
        assert_eq!(
            d,
            json!({"a": {"x": 1, "l": [1, 2, 3], "y": 2}, "s": "new"})
        );
    }

    fn file(path: &str, entries: &[(&str, u64, Value)]) -> SourceFile {
        SourceFile {
            path: PathBuf::from(path),
            entries: entries
                .iter()
                .map(|(k, l, v)| Entry {
                    key: (*k).to_owned(),
                    line: *l,
                    value: v.clone(),
                })
                .collect(),
        }
    }

    #[test]
    fn includes_merge_deeply_then_replace_main_keys() {
        let sources = Sources {
            main: Some(file(
                "/c/master",
                &[
                    ("file_roots", 1, json!({"base": ["/srv/salt"]})),
                    ("timeout", 2, json!(5)),
                ],
            )),
            includes: vec![
                file(
                    "/c/master.d/a.conf",
                    &[("file_roots", 1, json!({"dev": ["/a"]}))],
                ),
                file(
                    "/c/master.d/b.conf",
                    &[("file_roots", 3, json!({"dev": ["/b"], "qa": ["/q"]}))],
                ),
            ],
        };
        let merged = merge(&sources);
        let (roots, origin) = &merged["file_roots"];
        // main's "base" is replaced wholesale (shallow update), includes merged deeply.
        assert_eq!(roots, &json!({"dev": ["/a", "/b"], "qa": ["/q"]}));
        assert_eq!(
            origin,
            &Origin {
                file: PathBuf::from("/c/master.d/b.conf"),
                line: 3
            }
        );
        assert_eq!(merged["timeout"].1.line, 2);
    }
}
