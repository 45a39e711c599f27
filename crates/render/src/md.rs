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

/// One line of text with every [`SPECIAL`] character escaped, and GitHub's automatic
/// links broken: the `:` of `scheme://` and the `.` of `www.` get a backslash (shown as
/// written, no link). An e-mail address still becomes a `mailto:` link: no escape stops
/// that, and it can lead nowhere but a mail program.
fn escape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let chars: Vec<char> = line.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let scheme_colon = c == ':' && chars.get(i + 1..i + 3) == Some(&['/', '/']);
        let www_dot =
            c == '.' && i >= 3 && chars[i - 3..i].iter().all(|w| w.eq_ignore_ascii_case(&'w'));
        if SPECIAL.contains(&c) || scheme_colon || www_dot {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A URL the tool itself cites (a deadline's source) as a link: `<url>`, which CommonMark
/// reads as written, with no escape inside. Anything that could end or bend the link (a
/// space, `<`, `>`, a control character, a scheme other than http(s)) or that a renderer
/// could read as an HTML character reference (`&amp;`, `&#38;`: cmark decodes them
/// inside an autolink, commonmark.js does not, so the link would differ by renderer) is
/// written as [`text`] instead. A query's plain `&` (`?id=1&type=1`) stays a link.
pub fn url(url: &str) -> String {
    let is_web = url.starts_with("https://") || url.starts_with("http://");
    let clean = url
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '|' | '`' | '\\'));
    if is_web && clean && !has_char_ref(url) {
        format!("<{url}>")
    } else {
        text(url)
    }
}

/// Whether `s` holds an HTML character reference: `&` then a name, `#digits` or `#x` hex
/// digits, then `;`.
pub fn has_char_ref(s: &str) -> bool {
    s.match_indices('&').any(|(at, _)| {
        let rest = &s[at + 1..];
        let Some(end) = rest.find(';') else {
            return false;
        };
        let body = &rest[..end];
        let digits = |d: &str, hex: bool| {
            !d.is_empty()
                && d.chars().all(|c| {
                    if hex {
                        c.is_ascii_hexdigit()
                    } else {
                        c.is_ascii_digit()
                    }
                })
        };
        match body.strip_prefix('#') {
            Some(num) => match num.strip_prefix(['x', 'X']) {
                Some(hex) => digits(hex, true),
                None => digits(num, false),
            },
            None => !body.is_empty() && body.chars().all(|c| c.is_ascii_alphanumeric()),
        }
    })
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
    fn input_text_starts_no_automatic_link() {
        assert_eq!(
            inline("Click https://evil.example/login or WWW.evil.example"),
            "Click https\\://evil.example/login or WWW\\.evil.example"
        );
        assert_eq!(text("http://x.example/a_b"), "http\\://x.example/a\\_b");
        // Not a link start: left alone.
        assert_eq!(inline("a: b, 3.5, aww. ok"), "a: b, 3.5, aww. ok");
    }

    #[test]
    fn the_tools_own_urls_are_links_written_as_they_are() {
        let u = "https://help.salesforce.com/s/articleView?id=a_b.htm&type=1";
        assert_eq!(url(u), format!("<{u}>"));
        // Anything that could end or bend the link is text.
        assert_eq!(url("https://x.example/a b"), text("https://x.example/a b"));
        assert_eq!(url("https://x.example/>"), text("https://x.example/>"));
        assert_eq!(url("https://x.example/|"), text("https://x.example/|"));
        assert_eq!(url("javascript:alert(1)"), text("javascript:alert(1)"));
    }

    #[test]
    fn no_link_holds_an_html_character_reference() {
        // A query's `&` is no reference: the link is written as it is.
        let q = "https://help.salesforce.com/s/articleView?id=005316703&type=1&release=262";
        assert_eq!(url(q), format!("<{q}>"));
        assert!(!has_char_ref(q));
        // A reference would be decoded by one renderer and not another: text, with its
        // `&` escaped, so every renderer shows the characters as written.
        for bad in [
            "https://x.example/?a=1&amp;b=2",
            "https://x.example/?a=1&#38;b=2",
            "https://x.example/?a=1&#x26;b=2",
        ] {
            assert!(has_char_ref(bad), "{bad}");
            let written = url(bad);
            assert!(!written.starts_with('<'), "{written}");
            assert!(written.contains("\\&"), "{written}");
        }
        assert!(!has_char_ref("a & b; c &; d &#; e &#x;"));
    }

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
            "!\\[t\\](https\\://x.example/p.png)"
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
