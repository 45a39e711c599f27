//! The one Markdown escaper, for every Markdown document (the audit's rollout plan, the
//! diff, the fleet report): GitHub-flavoured Markdown in which text from the input (an
//! app's name or label, a message, a path, a server's words) renders as written and can
//! start no markup, HTML, character reference, link or image.
//!
//! The rule: every character Markdown gives a meaning inside a line (`\` `` ` `` `*` `_`
//! `[` `]` `<` `>` `|` `#` `~` `&`) gets a backslash, which CommonMark turns back into the
//! character itself; a line break becomes `<br>` (it can neither end a table row nor
//! start a line of its own); the rest is made
//! [`visible`](pkce_audit_model::text::visible).

use pkce_audit_model::text::{code_span, visible, visible_with_breaks};
use std::fmt::Write;

/// Characters that get a backslash.
const SPECIAL: &[char] = &['\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '~', '&'];

/// One line of text with every [`SPECIAL`] character escaped.
fn escape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Input text for a table cell or a line of prose: its line breaks as `<br>`.
pub fn text(text: &str) -> String {
    visible_with_breaks(text, "<br>", escape)
}

/// Input text inside a sentence or a list item, on one line: its line breaks as spaces
/// (as [`visible`] writes them), the characters escaped as by [`text`].
pub fn inline(text: &str) -> String {
    escape(&visible(text))
}

/// An identifier (API name, rule id, path) as inline code outside a table: a fence
/// longer than any run of backticks inside.
pub fn code(text: &str) -> String {
    code_span(&visible(text))
}

/// An identifier as inline code in a table cell. GFM splits a row at `|` before it reads
/// code spans, so pipes are escaped (`\|` shows as `|`); a backslash right before a pipe
/// would cancel that escape, so such text is written as escaped [`text`] instead.
pub fn code_cell(name: &str) -> String {
    let name = visible(name);
    if name.contains("\\|") {
        return text(&name);
    }
    code_span(&name).replace('|', "\\|")
}

/// A table row of cells already escaped.
pub fn row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

/// A table's header row and the rule under it.
pub fn header(out: &mut String, header: &[&str]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_text_starts_no_markup() {
        assert_eq!(text("a|b\r\nc\nd\re\u{2028}f"), "a\\|b<br>c<br>d<br>e f");
        assert_eq!(
            text("<img src=x onerror=y> & co"),
            "\\<img src=x onerror=y\\> \\& co"
        );
        assert_eq!(text("\u{1b}[2J\u{202e}"), "\\\\u{1b}\\[2J\\\\u{202e}");
        assert_eq!(
            text("![t](https://x.example/p.png)"),
            "!\\[t\\](https://x.example/p.png)"
        );
        assert_eq!(
            text("My_App *x* a>b ~~s~~"),
            "My\\_App \\*x\\* a\\>b \\~\\~s\\~\\~"
        );
        assert_eq!(
            text("x\n# Pwned\r\n- [x] done"),
            "x<br>\\# Pwned<br>- \\[x\\] done"
        );
        assert_eq!(text("R&D &#x202e;&rlm;"), "R\\&D \\&\\#x202e;\\&rlm;");
        assert_eq!(
            inline("x\n# Pwned\r\n- [x] done"),
            "x \\# Pwned - \\[x\\] done"
        );
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("a\nb"), "`a b`");
        assert_eq!(code_cell("x|y"), "`x\\|y`");
        assert_eq!(code_cell("x\\|y"), "x\\\\\\|y");
        assert_eq!(code_cell("a`b"), "``a`b``");
    }
}
