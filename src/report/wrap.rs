//! Fitting text to a width: words in lines, by display width (a wide character counts
//! twice), cutting only a word wider than a whole line.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Wraps every line that is not part of a table to `width` columns, with a hanging
/// indent, so prose (verdict, notes, summaries) fits like the tables do.
pub fn wrap_prose(text: &str, width: usize) -> String {
    wrap_lines(text, width, |indent, _| indent + 2)
}

/// Wraps text of paragraphs and `- ` list items to `width` columns: a paragraph's lines
/// start where its first did, an item's under its text.
pub fn wrap_paragraphs(text: &str, width: usize) -> String {
    wrap_lines(text, width, |indent, line| {
        indent
            + if line[indent..].starts_with("- ") {
                2
            } else {
                0
            }
    })
}

/// Wraps every line that is not part of a table; `hang(indent, line)` is where the
/// continuation lines of a line indented by `indent` start.
fn wrap_lines(text: &str, width: usize, hang: impl Fn(usize, &str) -> usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let is_table = line.starts_with(['┌', '│', '╞', '├', '└', '╘', '╒']);
        if is_table || line.width() <= width {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let hang = " ".repeat(hang(indent, line));
        let lines = wrap_words(
            line,
            width - indent.min(width),
            width - hang.len().min(width),
        );
        for (i, l) in lines.iter().enumerate() {
            out.push_str(if i == 0 { &line[..indent] } else { &hang });
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// The words of `text` in lines: the first at most `first` columns wide, the others at
/// most `rest` (display width, so wide characters count twice). A word wider than a whole
/// line breaks after a `/` (a long file path or URL); a word without one (an API or type
/// name) stays whole on a line of its own: a name is worth more unbroken, and no name
/// Salesforce gives is wider than the narrowest width we lay out for.
pub fn wrap_words(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut limit = first;
    let room = rest.max(8);
    for word in text
        .split_whitespace()
        .flat_map(|w| split_long_word(w, room))
    {
        if !current.is_empty() && current.width() + 1 + word.width() > limit {
            lines.push(std::mem::take(&mut current));
            limit = rest;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// A word wider than `room` in pieces, each cut after a `/`, that fit where they can.
fn split_long_word(word: &str, room: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = word;
    while rest.width() > room {
        // The last `/` within reach; else the first one at all; else the word stays whole.
        let mut reach = 0;
        let mut w = 0;
        for (i, c) in rest.char_indices() {
            w += c.width().unwrap_or(0);
            if w > room {
                break;
            }
            reach = i + c.len_utf8();
        }
        let cut = match rest[..reach].rfind('/').or_else(|| rest.find('/')) {
            Some(slash) if slash + 1 < rest.len() => slash + 1,
            _ => break,
        };
        pieces.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    pieces.push(rest);
    pieces
}

#[cfg(test)]
mod long_word_tests {
    use super::*;

    #[test]
    fn long_paths_break_after_a_slash_and_names_stay_whole() {
        let path =
            "force-app/main/default/connectedApps/Old_Decommissioned_App.connectedApp-meta.xml";
        let text = format!("Not read:\n  - {path}\n");
        for width in [60, 80] {
            let wrapped = wrap_prose(&text, width);
            assert!(
                wrapped.lines().all(|l| l.chars().count() <= width),
                "{wrapped}"
            );
            let joined: String = wrapped.split_whitespace().collect();
            assert!(joined.contains(path), "{wrapped}");
        }
        assert_eq!(split_long_word("a/bc/def", 5), ["a/bc/", "def"]);
        assert_eq!(split_long_word("abcdefgh", 3), ["abcdefgh"]);
        assert_eq!(split_long_word("abcdef/gh", 3), ["abcdef/", "gh"]);
        assert_eq!(split_long_word("short", 8), ["short"]);
    }
}
