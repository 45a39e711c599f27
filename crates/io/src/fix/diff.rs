//! The unified diff `fix --dry-run` prints, in the `a/` `b/` form `git apply` reads.
//!
//! The diff is computed by the `similar` crate (already in the tree through insta).
//! Context lines could show a committed consumer secret next to the change, so the
//! values of secret elements are masked, alike on both sides, before diffing.

use super::edit::secret_values;
use super::manifest::StepManifest;
use super::Change;

/// What a masked secret value shows instead.
pub const MASK: &str = "(secret not shown)";

/// The text with every secret value replaced by [`MASK`], line by line, so the line
/// count (and with it every hunk header) stays right.
fn masked(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for (from, to) in secret_values(bytes) {
        out.extend_from_slice(&bytes[at..from]);
        for (i, line) in bytes[from..to].split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            let cr = line.ends_with(b"\r");
            if !line.is_empty() && line != b"\r" {
                out.extend_from_slice(MASK.as_bytes());
            }
            if cr {
                out.push(b'\r');
            }
        }
        at = to;
    }
    out.extend_from_slice(&bytes[at..]);
    String::from_utf8_lossy(&out).into_owned()
}

/// The unified diff of one file, `before` `None` for a file the change creates.
pub fn unified(rel: &str, before: Option<&[u8]>, after: &[u8]) -> String {
    let old = before.map(masked).unwrap_or_default();
    let new = masked(after);
    let old_name = match before {
        Some(_) => format!("a/{rel}"),
        None => "/dev/null".to_string(),
    };
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &format!("b/{rel}"))
        .to_string()
}

/// The diff of every file a plan writes, exactly as `git apply` reads it from the project
/// root: the manifest included when it lies inside the project.
pub fn patch(changes: &[Change], manifest: &StepManifest) -> String {
    let mut out = String::new();
    for c in changes {
        out.push_str(&unified(&c.file, c.before.as_deref(), &c.after));
    }
    if let (true, Some(rel)) = (manifest.written(), &manifest.in_project) {
        out.push_str(&unified(rel, manifest.before.as_deref(), &manifest.after));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_change_with_context_and_git_headers() {
        let before = b"<A>\n    <b>1</b>\n    <c>false</c>\n</A>\n";
        let after = b"<A>\n    <b>1</b>\n    <c>true</c>\n</A>\n";
        let d = unified("x/A.xml", Some(before), after);
        assert_eq!(
            d,
            "--- a/x/A.xml\n+++ b/x/A.xml\n@@ -1,4 +1,4 @@\n <A>\n     <b>1</b>\n-    <c>false</c>\n+    <c>true</c>\n </A>\n"
        );
        let created = unified("s/O.xml", None, b"<O/>\n");
        assert!(
            created.starts_with("--- /dev/null\n+++ b/s/O.xml\n@@ -0,0 +1 @@\n+<O/>\n"),
            "{created}"
        );
    }

    #[test]
    fn secret_values_are_never_shown_and_lines_stay_counted() {
        let before = "<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\r\n    <oauthConfig>\r\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\r\n        <consumerSecret>S3CRET\r\nTAIL</consumerSecret>\r\n    </oauthConfig>\r\n</ConnectedApp>\r\n";
        let after = before.replace(
            "</consumerSecret>\r\n",
            "</consumerSecret>\r\n        <isPkceRequired>true</isPkceRequired>\r\n",
        );
        let d = unified("c.xml", Some(before.as_bytes()), after.as_bytes());
        assert!(!d.contains("S3CRET") && !d.contains("TAIL"), "{d}");
        assert!(d.contains(&format!("<consumerSecret>{MASK}\r\n")), "{d}");
        assert!(
            d.contains("+        <isPkceRequired>true</isPkceRequired>\r\n"),
            "{d}"
        );
        // The masked value keeps its two lines: the hunk counts the file's lines.
        assert!(d.contains("@@ -3,5 +3,6 @@"), "{d}");
    }
}
