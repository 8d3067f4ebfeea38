//! Python's `difflib.unified_diff`, hunk for hunk. Salt shows file changes
//! as the text difflib produces (`changes.diff` of `file.managed`,
//! `file.replace`, ...), and difflib's matcher (Ratcliff/Obershelp with its
//! "popular element" heuristic) places hunks differently from Myers-style
//! diffs: to print the same diff we find the same matching blocks.
//!
//! Lines are compared as given, line endings included; a last line without
//! a newline is printed as it is (difflib adds no "\ No newline" marker).

use std::collections::HashMap;
use std::hash::Hash;

/// `"".join(difflib.unified_diff(a, b, fromfile, tofile, n=3))`: lines
/// keep their own endings, headers end in `\n`. Empty when equal.
pub fn unified_diff(a: &[&str], b: &[&str], fromfile: &str, tofile: &str) -> String {
    unified_diff_lines(a, b, fromfile, tofile, "\n").concat()
}

/// `list(difflib.unified_diff(a, b, fromfile, tofile, lineterm=lineterm))`:
/// every header and body line as difflib yields it.
pub fn unified_diff_lines(
    a: &[&str],
    b: &[&str],
    fromfile: &str,
    tofile: &str,
    lineterm: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    for (gi, group) in grouped_opcodes(a, b, 3).iter().enumerate() {
        if gi == 0 {
            out.push(format!("--- {fromfile}{lineterm}"));
            out.push(format!("+++ {tofile}{lineterm}"));
        }
        let (first, last) = (group[0], group[group.len() - 1]);
        out.push(format!(
            "@@ -{} +{} @@{lineterm}",
            unified_range(first.i1, last.i2),
            unified_range(first.j1, last.j2)
        ));
        for op in group {
            if op.tag == Tag::Equal {
                out.extend(a[op.i1..op.i2].iter().map(|l| format!(" {l}")));
                continue;
            }
            if matches!(op.tag, Tag::Replace | Tag::Delete) {
                out.extend(a[op.i1..op.i2].iter().map(|l| format!("-{l}")));
            }
            if matches!(op.tag, Tag::Replace | Tag::Insert) {
                out.extend(b[op.j1..op.j2].iter().map(|l| format!("+{l}")));
            }
        }
    }
    out
}

/// What an opcode does to turn `a[i1..i2]` into `b[j1..j2]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    Equal,
    Replace,
    Delete,
    Insert,
}

/// One of `SequenceMatcher.get_opcodes()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opcode {
    pub tag: Tag,
    pub i1: usize,
    pub i2: usize,
    pub j1: usize,
    pub j2: usize,
}

/// `SequenceMatcher(None, a, b).get_opcodes()`.
pub fn opcodes<T: Eq + Hash>(a: &[T], b: &[T]) -> Vec<Opcode> {
    let mut ops = Vec::new();
    let (mut i, mut j) = (0, 0);
    for (ai, bj, size) in matching_blocks(a, b) {
        let tag = if i < ai && j < bj {
            Some(Tag::Replace)
        } else if i < ai {
            Some(Tag::Delete)
        } else if j < bj {
            Some(Tag::Insert)
        } else {
            None
        };
        if let Some(tag) = tag {
            ops.push(Opcode {
                tag,
                i1: i,
                i2: ai,
                j1: j,
                j2: bj,
            });
        }
        i = ai + size;
        j = bj + size;
        if size > 0 {
            ops.push(Opcode {
                tag: Tag::Equal,
                i1: ai,
                i2: i,
                j1: bj,
                j2: j,
            });
        }
    }
    ops
}

/// `SequenceMatcher.get_grouped_opcodes(n)`: hunks with `n` lines of
/// context.
pub fn grouped_opcodes<T: Eq + Hash>(a: &[T], b: &[T], n: usize) -> Vec<Vec<Opcode>> {
    let mut codes = opcodes(a, b);
    if codes.is_empty() {
        codes.push(Opcode {
            tag: Tag::Equal,
            i1: 0,
            i2: 1,
            j1: 0,
            j2: 1,
        });
    }
    if let Some(first) = codes.first_mut().filter(|c| c.tag == Tag::Equal) {
        first.i1 = first.i1.max(first.i2.saturating_sub(n));
        first.j1 = first.j1.max(first.j2.saturating_sub(n));
    }
    if let Some(last) = codes.last_mut().filter(|c| c.tag == Tag::Equal) {
        last.i2 = last.i2.min(last.i1 + n);
        last.j2 = last.j2.min(last.j1 + n);
    }
    let mut groups = Vec::new();
    let mut group = Vec::new();
    for mut op in codes {
        if op.tag == Tag::Equal && op.i2 - op.i1 > 2 * n {
            group.push(Opcode {
                i2: op.i2.min(op.i1 + n),
                j2: op.j2.min(op.j1 + n),
                ..op
            });
            groups.push(std::mem::take(&mut group));
            op.i1 = op.i1.max(op.i2.saturating_sub(n));
            op.j1 = op.j1.max(op.j2.saturating_sub(n));
        }
        group.push(op);
    }
    let only_equal = group.len() == 1 && group[0].tag == Tag::Equal;
    if !group.is_empty() && !only_equal {
        groups.push(group);
    }
    groups
}

/// difflib's `_format_range_unified`.
fn unified_range(start: usize, stop: usize) -> String {
    let length = stop - start;
    match length {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        _ => format!("{},{length}", start + 1),
    }
}

/// `get_matching_blocks()`: `(i, j, size)` triples, adjacent ones merged,
/// ending with the sentinel `(len(a), len(b), 0)`.
fn matching_blocks<T: Eq + Hash>(a: &[T], b: &[T]) -> Vec<(usize, usize, usize)> {
    let b2j = index_b(b);
    let mut queue = vec![(0, a.len(), 0, b.len())];
    let mut blocks = Vec::new();
    while let Some((alo, ahi, blo, bhi)) = queue.pop() {
        let (i, j, k) = longest_match(a, b, &b2j, alo, ahi, blo, bhi);
        if k > 0 {
            blocks.push((i, j, k));
            if alo < i && blo < j {
                queue.push((alo, i, blo, j));
            }
            if i + k < ahi && j + k < bhi {
                queue.push((i + k, ahi, j + k, bhi));
            }
        }
    }
    blocks.sort_unstable();
    let mut merged = Vec::new();
    let (mut i1, mut j1, mut k1) = (0, 0, 0);
    for (i2, j2, k2) in blocks {
        if i1 + k1 == i2 && j1 + k1 == j2 {
            k1 += k2;
        } else {
            if k1 > 0 {
                merged.push((i1, j1, k1));
            }
            (i1, j1, k1) = (i2, j2, k2);
        }
    }
    if k1 > 0 {
        merged.push((i1, j1, k1));
    }
    merged.push((a.len(), b.len(), 0));
    merged
}

/// `b2j`: where each element of `b` occurs, without the "popular" ones
/// (more than 1% of a sequence of 200 or more, difflib's autojunk).
fn index_b<T: Eq + Hash>(b: &[T]) -> HashMap<&T, Vec<usize>> {
    let mut b2j: HashMap<&T, Vec<usize>> = HashMap::new();
    for (j, elt) in b.iter().enumerate() {
        b2j.entry(elt).or_default().push(j);
    }
    if b.len() >= 200 {
        let ntest = b.len() / 100 + 1;
        b2j.retain(|_, idxs| idxs.len() <= ntest);
    }
    b2j
}

/// `find_longest_match(alo, ahi, blo, bhi)`: the longest matching block
/// (earliest in `a`, then in `b`), extended over popular elements at both
/// ends (they are not junk, only unindexed).
fn longest_match<T: Eq + Hash>(
    a: &[T],
    b: &[T],
    b2j: &HashMap<&T, Vec<usize>>,
    alo: usize,
    ahi: usize,
    blo: usize,
    bhi: usize,
) -> (usize, usize, usize) {
    let (mut besti, mut bestj, mut bestsize) = (alo, blo, 0);
    let mut j2len: HashMap<usize, usize> = HashMap::new();
    for (i, elt) in a.iter().enumerate().take(ahi).skip(alo) {
        let mut next: HashMap<usize, usize> = HashMap::new();
        for &j in b2j.get(elt).map(Vec::as_slice).unwrap_or(&[]) {
            if j < blo {
                continue;
            }
            if j >= bhi {
                break;
            }
            let k = j
                .checked_sub(1)
                .and_then(|p| j2len.get(&p))
                .copied()
                .unwrap_or(0)
                + 1;
            next.insert(j, k);
            if k > bestsize {
                (besti, bestj, bestsize) = (i + 1 - k, j + 1 - k, k);
            }
        }
        j2len = next;
    }
    while besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1] {
        besti -= 1;
        bestj -= 1;
        bestsize += 1;
    }
    while besti + bestsize < ahi
        && bestj + bestsize < bhi
        && a[besti + bestsize] == b[bestj + bestsize]
    {
        bestsize += 1;
    }
    (besti, bestj, bestsize)
}

/// Splits text into lines keeping their endings (Python's
/// `str.splitlines(True)` for `\n`, `\r\n` and `\r`, what `readlines()` of a
/// file opened with `newline=""` yields).
pub fn split_lines_keep(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push(&text[start..=i]);
                start = i + 1;
            }
            b'\r' => {
                let end = if bytes.get(i + 1) == Some(&b'\n') {
                    i + 1
                } else {
                    i
                };
                out.push(&text[start..=end]);
                start = end + 1;
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Lines as `readlines()` on a binary file yields them: split after each
/// `\n` only.
pub fn split_newlines_keep(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_hunks_and_a_missing_final_newline() {
        let a = ["line1\n", "line2\n"];
        let b = ["line1\n", "line2 changed\n", "line3\n"];
        assert_eq!(
            unified_diff(&a, &b, "", ""),
            "--- \n+++ \n@@ -1,2 +1,3 @@\n line1\n-line2\n+line2 changed\n+line3\n"
        );
        assert_eq!(unified_diff(&a, &a, "", ""), "");
        let c = ["a\n", "b"];
        let d = ["a\n", "c"];
        assert_eq!(
            unified_diff(&c, &d, "", ""),
            "--- \n+++ \n@@ -1,2 +1,2 @@\n a\n-b+c"
        );
        assert_eq!(
            unified_diff(&[], &["x\n"], "", ""),
            "--- \n+++ \n@@ -0,0 +1 @@\n+x\n"
        );
    }

    #[test]
    fn lineterm_for_lines_without_endings() {
        let got = unified_diff_lines(&["a", "b"], &["a", "b", "c"], "", "", "\n");
        assert_eq!(
            got.join("\n"),
            "--- \n\n+++ \n\n@@ -1,2 +1,3 @@\n\n a\n b\n+c"
        );
    }

    #[test]
    fn splitting_lines() {
        assert_eq!(
            split_lines_keep("a\r\nb\rc\nd"),
            ["a\r\n", "b\r", "c\n", "d"]
        );
        assert_eq!(split_lines_keep(""), Vec::<&str>::new());
        assert_eq!(split_newlines_keep("a\r\nb\rc\n"), ["a\r\n", "b\rc\n"]);
    }
}
