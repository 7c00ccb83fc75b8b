//! A short unified diff of two normal forms (longest common subsequence
//! of lines; the forms are a few hundred lines at most).

/// Lines of context around each change.
const CONTEXT: usize = 2;

/// Most diff lines printed for one case.
const MAX_LINES: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit {
    Same(usize, usize),
    Removed(usize),
    Added(usize),
}

/// `None` when the forms are equal, otherwise a unified diff (`-` expected,
/// `+` actual), cut after [`MAX_LINES`] lines.
pub fn unified(expected: &[String], actual: &[String]) -> Option<String> {
    if expected == actual {
        return None;
    }
    let edits = edits(expected, actual);
    let mut out = vec!["--- expected".to_owned(), "+++ actual".to_owned()];
    for hunk in hunks(&edits) {
        let (first_old, first_new) = start_of(&edits[hunk.clone()]);
        out.push(format!("@@ -{first_old} +{first_new} @@"));
        for edit in &edits[hunk] {
            out.push(match *edit {
                Edit::Same(i, _) => format!(" {}", expected[i]),
                Edit::Removed(i) => format!("-{}", expected[i]),
                Edit::Added(j) => format!("+{}", actual[j]),
            });
        }
    }
    if out.len() > MAX_LINES {
        let more = out.len() - MAX_LINES;
        out.truncate(MAX_LINES);
        out.push(format!("… {more} more diff lines"));
    }
    Some(out.join("\n"))
}

/// The edit script, by a longest-common-subsequence table.
fn edits(old: &[String], new: &[String]) -> Vec<Edit> {
    let (n, m) = (old.len(), new.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::with_capacity(n + m));
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            out.push(Edit::Same(i, j));
            (i, j) = (i + 1, j + 1);
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(Edit::Removed(i));
            i += 1;
        } else {
            out.push(Edit::Added(j));
            j += 1;
        }
    }
    out
}

/// Ranges of the edit script to print: each change with its context,
/// overlapping ranges merged.
fn hunks(edits: &[Edit]) -> Vec<std::ops::Range<usize>> {
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    for (at, edit) in edits.iter().enumerate() {
        if matches!(edit, Edit::Same(..)) {
            continue;
        }
        let range = at.saturating_sub(CONTEXT)..(at + CONTEXT + 1).min(edits.len());
        match ranges.last_mut() {
            Some(last) if last.end >= range.start => last.end = range.end,
            _ => ranges.push(range),
        }
    }
    ranges
}

/// 1-based line numbers where a hunk starts in the old and new forms.
fn start_of(hunk: &[Edit]) -> (usize, usize) {
    let (mut old, mut new) = (None, None);
    for edit in hunk {
        match *edit {
            Edit::Same(i, j) => {
                old = old.or(Some(i));
                new = new.or(Some(j));
            }
            Edit::Removed(i) => old = old.or(Some(i)),
            Edit::Added(j) => new = new.or(Some(j)),
        }
    }
    (old.map_or(0, |i| i + 1), new.map_or(0, |j| j + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn unified_equal_forms_have_no_diff() {
        assert_eq!(unified(&lines("a b c"), &lines("a b c")), None);
    }

    #[test]
    fn unified_changed_line_shows_context_and_both_sides() {
        let old = lines("1 2 3 4 5 6 7 8");
        let new = lines("1 2 3 4 X 6 7 8");
        let diff = unified(&old, &new).unwrap();
        assert_eq!(
            diff,
            "--- expected\n+++ actual\n@@ -3 +3 @@\n 3\n 4\n-5\n+X\n 6\n 7"
        );
    }

    #[test]
    fn unified_separate_changes_make_separate_hunks() {
        let old = lines("a 1 2 3 4 5 6 7 b");
        let new = lines("A 1 2 3 4 5 6 7 B");
        let diff = unified(&old, &new).unwrap();
        assert_eq!(diff.matches("@@ -").count(), 2, "{diff}");
        assert!(diff.contains("-b\n+B"), "{diff}");
    }

    #[test]
    fn unified_long_diff_is_cut() {
        let old: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let new: Vec<String> = (0..100).map(|i| format!("x{i}")).collect();
        let diff = unified(&old, &new).unwrap();
        assert_eq!(diff.lines().count(), MAX_LINES + 1);
        assert!(diff.ends_with("more diff lines"), "{diff}");
    }
}
