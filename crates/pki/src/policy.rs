//! The master's automatic enrolment decisions: `auto_accept`,
//! `autosign_file` and `autoreject_file`, with Salt's matching rules (each
//! non-comment line is a glob, else an anchored regular expression) and its
//! refusal to trust a file that group or others can write.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::glob::fnmatch;

/// What the master accepts or rejects without an operator.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AutoPolicy {
    /// `auto_accept: True`: every new key is accepted.
    pub auto_accept: bool,
    /// Ids, globs or regexes read from `autosign_file`.
    pub autosign: Vec<String>,
    /// Ids, globs or regexes read from `autoreject_file`.
    pub autoreject: Vec<String>,
}

impl AutoPolicy {
    /// Reads the autosign and autoreject files. A missing or unreadable file,
    /// or one that group or others may write, counts as empty (logged), as
    /// in Salt.
    pub fn load(
        auto_accept: bool,
        autosign_file: Option<&Path>,
        autoreject_file: Option<&Path>,
    ) -> Self {
        Self {
            auto_accept,
            autosign: autosign_file.map(read_signing_file).unwrap_or_default(),
            autoreject: autoreject_file.map(read_signing_file).unwrap_or_default(),
        }
    }

    /// True when `id` is to be accepted without an operator.
    pub fn autosign_matches(&self, id: &str) -> bool {
        self.auto_accept || self.autosign.iter().any(|e| expr_match(id, e))
    }

    /// True when `id` is to be rejected without an operator. Salt checks
    /// this before auto-acceptance, so it wins over `auto_accept`.
    pub fn autoreject_matches(&self, id: &str) -> bool {
        self.autoreject.iter().any(|e| expr_match(id, e))
    }
}

/// Salt's `expr_match`: `expr` as a glob, else as a regular expression
/// written between `\A` and `\Z` (without grouping, as Salt does). An
/// invalid regex simply does not match.
pub fn expr_match(id: &str, expr: &str) -> bool {
    if fnmatch(id, expr) {
        return true;
    }
    regex::RegexBuilder::new(&format!(r"\A{expr}\z"))
        .size_limit(1 << 20)
        .build()
        .map(|re| re.is_match(id))
        .unwrap_or(false)
}

fn read_signing_file(path: &Path) -> Vec<String> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %path.display(), error = %e, "cannot read key signing file");
            }
            return Vec::new();
        }
    };
    if meta.permissions().mode() & 0o022 != 0 {
        tracing::warn!(
            path = %path.display(),
            "key signing file is writable by group or others; ignoring its content (chmod go-w it)"
        );
        return Vec::new();
    }
    match fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot read key signing file");
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str, mode: u32) -> std::path::PathBuf {
        let p = dir.join(name);
        fs::write(&p, text).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    #[test]
    fn expr_match_glob_then_regex() {
        assert!(expr_match("web1", "web1"));
        assert!(expr_match("web1", "web*"));
        assert!(expr_match("web12", r"web\d+"));
        assert!(!expr_match("xweb12", r"web\d+"));
        assert!(!expr_match("web12x", r"web\d+"));
        assert!(!expr_match("web1", "db*"));
        assert!(!expr_match("web1", "(unclosed"));
    }

    #[test]
    fn load_reads_lines_skips_comments_and_blanks() {
        let d = tempfile::tempdir().unwrap();
        let sign = write(d.path(), "autosign", "# trusted\nweb*\n\n  db1  \n", 0o600);
        let rej = write(d.path(), "autoreject", "evil*\n", 0o644);
        let p = AutoPolicy::load(false, Some(&sign), Some(&rej));
        assert_eq!(p.autosign, vec!["web*", "db1"]);
        assert_eq!(p.autoreject, vec!["evil*"]);
        assert!(p.autosign_matches("web3"));
        assert!(p.autosign_matches("db1"));
        assert!(!p.autosign_matches("db2"));
        assert!(p.autoreject_matches("evil1"));
        assert!(!p.autoreject_matches("web3"));
    }

    #[test]
    fn writable_or_missing_files_are_ignored() {
        let d = tempfile::tempdir().unwrap();
        let group_w = write(d.path(), "a", "*\n", 0o664);
        let world_w = write(d.path(), "b", "*\n", 0o646);
        let p = AutoPolicy::load(false, Some(&group_w), Some(&world_w));
        assert!(p.autosign.is_empty() && p.autoreject.is_empty());
        let p = AutoPolicy::load(false, Some(&d.path().join("missing")), None);
        assert!(!p.autosign_matches("x"));
    }

    #[test]
    fn auto_accept_accepts_everything() {
        let p = AutoPolicy::load(true, None, None);
        assert!(p.autosign_matches("anything"));
        assert!(!p.autoreject_matches("anything"));
    }
}
