//! The one HTML escaper: the only way text reaches a page. Input text is first made
//! [`visible`] (every registered secret scrubbed out; line breaks as spaces; control
//! characters, bidirectional overrides and invisible characters written as their code
//! point, `\u{202e}`), then the five characters HTML gives a meaning (`&` `<` `>` `"`
//! `'`) become character references. Text so escaped can start no tag, attribute,
//! character reference or comment, in element content and in a quoted attribute alike.

use pkce_audit_model::text::visible;

fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    }
}

/// `s` as HTML text.
pub fn escape(s: &str) -> String {
    let s = visible(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out
}

/// A word longer than this many characters gets places to wrap: a table column is never
/// wider than its widest unbreakable word, and a page that must not be cut off in print
/// or at 200% zoom cannot hold a 120-character one.
pub const LONG_WORD: usize = 18;

/// `s` as HTML text, as [`escape`], with `<wbr>` in every word longer than [`LONG_WORD`]
/// characters: after each `_ / . - ? & = @` (names wrap where they break naturally), and
/// at the latest every [`LONG_WORD`] characters. Shorter words stay whole. Secrets are
/// scrubbed from the whole text first, so no break can hide one.
pub fn escape_breakable(s: &str) -> String {
    let s = visible(s);
    let mut out = String::with_capacity(s.len() + 16);
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let chars: Vec<char> = word.chars().collect();
        if chars.len() <= LONG_WORD {
            chars.iter().for_each(|c| push_escaped(&mut out, *c));
            continue;
        }
        let mut run = 0;
        for (j, c) in chars.iter().enumerate() {
            push_escaped(&mut out, *c);
            run += 1;
            let more = j + 1 < chars.len();
            if more && (run >= LONG_WORD || "_/.-?&=@".contains(*c)) {
                out.push_str("<wbr>");
                run = 0;
            }
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
    fn long_words_get_places_to_wrap_and_short_ones_stay_whole() {
        use super::{escape_breakable, LONG_WORD};
        assert_eq!(
            escape_breakable("Analytics_Bridge a<b"),
            "Analytics_Bridge a&lt;b"
        );
        assert_eq!(
            escape_breakable("https://x.example/a_b?c=<d>"),
            "https:/<wbr>/<wbr>x.<wbr>example/<wbr>a_<wbr>b?<wbr>c=<wbr>&lt;d&gt;"
        );
        let long = "N".repeat(120);
        let out = escape_breakable(&long);
        assert!(out.split("<wbr>").all(|w| w.len() <= LONG_WORD), "{out}");
        assert_eq!(out.replace("<wbr>", ""), long);
    }

    #[test]
    fn controls_and_bidi_overrides_are_shown_not_applied() {
        assert_eq!(escape("a\u{202e}b\u{2066}c"), "a\\u{202e}b\\u{2066}c");
        assert_eq!(escape("\u{1b}[2Jx\u{0}"), "\\u{1b}[2Jx\\u{0}");
        // A line break cannot start a line of its own.
        assert_eq!(escape("a\r\nb\nc"), "a b c");
    }
}
