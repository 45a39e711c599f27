//! The one HTML escaper: the only way text reaches a page. Input text is first made
//! [`visible`] (every registered secret scrubbed out; line breaks as spaces; control
//! characters, bidirectional overrides and invisible characters written as their code
//! point, `\u{202e}`), then the five characters HTML gives a meaning (`&` `<` `>` `"`
//! `'`) become character references. Text so escaped can start no tag, attribute,
//! character reference or comment, in element content and in a quoted attribute alike.

use pkce_audit_model::text::visible;

/// `s` as HTML text.
pub fn escape(s: &str) -> String {
    let s = visible(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_characters_become_references() {
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            escape("\"><img src=x onerror=alert(1)>"),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(escape("R&D 'x' &amp;"), "R&amp;D &#39;x&#39; &amp;amp;");
        assert_eq!(escape("<!-- x -->"), "&lt;!-- x --&gt;");
        assert_eq!(escape("plain_Name-1"), "plain_Name-1");
    }

    #[test]
    fn controls_and_bidi_overrides_are_shown_not_applied() {
        assert_eq!(escape("a\u{202e}b\u{2066}c"), "a\\u{202e}b\\u{2066}c");
        assert_eq!(escape("\u{1b}[2Jx\u{0}"), "\\u{1b}[2Jx\\u{0}");
        // A line break cannot start a line of its own.
        assert_eq!(escape("a\r\nb\nc"), "a b c");
    }
}
