//! Python's `fnmatch.fnmatch` on POSIX, which Salt uses to match requisite
//! targets (`require: - test: web*`), `sls:` requisites and excludes. `*`
//! and `?` match any character including `/` and newlines, `[seq]` and
//! `[!seq]` are classes, an unclosed `[` is literal. Case-sensitive.

/// Whether `name` matches the shell pattern `pat` (salt-target's
/// `fnmatchcase`, the one implementation).
pub fn fnmatch(name: &str, pat: &str) -> bool {
    salt_target::fnmatchcase(name, pat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_python() {
        assert!(fnmatch("web01", "web*"));
        assert!(fnmatch("web01", "web0?"));
        assert!(!fnmatch("web01", "web0"));
        assert!(fnmatch("a/b", "a*b"));
        assert!(fnmatch("lib.one", "lib.*"));
        assert!(fnmatch("x1", "x[0-9]"));
        assert!(!fnmatch("x1", "x[!0-9]"));
        assert!(fnmatch("a[", "a["));
        assert!(fnmatch("]", "[]]"));
        assert!(fnmatch("anything", "**"));
        assert!(!fnmatch("Web", "web"));
        assert!(fnmatch("", "*"));
        assert!(!fnmatch("", "?"));
    }
}
