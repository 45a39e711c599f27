//! Text whose pieces carry their style, for colour on a terminal: the verdict word,
//! BLOCKER and severities. The renderer says what a piece is where it writes it (a grid
//! cell, a list entry, the verdict line); layout works on the plain text, and the styles
//! follow it ([`Styled::relaid`]), so colour never changes a layout and never lands on
//! input text that happens to read like one of the renderer's words.

use pkce_audit_model::rules::{Severity, Verdict};
use pkce_audit_model::verify::Verdict as Outcome;
use std::fmt;

/// What a piece of text is, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    #[default]
    Plain,
    Verdict(Verdict),
    Severity(Severity),
    /// The word BLOCKER: what stops the org from turning PKCE on.
    Blocker,
    /// `verify`'s verdict: keep, watch or roll back, coloured as the audit's verdicts.
    Outcome(Outcome),
}

const RESET: &str = "\x1b[0m";

impl Style {
    /// The ANSI escape that starts the style; `None` for plain text.
    fn ansi(self) -> Option<&'static str> {
        Some(match self {
            Style::Plain => return None,
            Style::Verdict(Verdict::Ready | Verdict::Enforced) | Style::Outcome(Outcome::Keep) => {
                "\x1b[1;32m"
            }
            Style::Verdict(Verdict::NotReady)
            | Style::Severity(Severity::Critical)
            | Style::Outcome(Outcome::Rollback) => "\x1b[1;31m",
            Style::Verdict(Verdict::Incomplete) | Style::Outcome(Outcome::Watch) => "\x1b[1;33m",
            Style::Severity(Severity::High) => "\x1b[31m",
            Style::Severity(Severity::Medium) => "\x1b[33m",
            Style::Severity(Severity::Low) => "\x1b[36m",
            Style::Severity(Severity::Info) => "\x1b[2m",
            Style::Blocker => "\x1b[1;7;31m",
        })
    }
}

/// Text in pieces, each with its [`Style`]. Written to like a `String` (`write!` adds
/// plain text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Styled {
    spans: Vec<(String, Style)>,
}

impl Styled {
    /// Adds `text` in `style`.
    pub fn push(&mut self, text: &str, style: Style) {
        if text.is_empty() {
            return;
        }
        match self.spans.last_mut() {
            Some((last, s)) if *s == style => last.push_str(text),
            _ => self.spans.push((text.to_string(), style)),
        }
    }

    /// Adds plain text.
    pub fn push_str(&mut self, text: &str) {
        self.push(text, Style::Plain);
    }

    /// Adds every piece of `other`.
    pub fn append(&mut self, other: Styled) {
        for (text, style) in other.spans {
            self.push(&text, style);
        }
    }

    /// One piece of text in `style`.
    pub fn of(text: &str, style: Style) -> Styled {
        let mut s = Styled::default();
        s.push(text, style);
        s
    }

    /// The text split at its line breaks, as `str::split('\n')` splits (an empty text is
    /// one empty line).
    pub fn lines(&self) -> Vec<Styled> {
        let mut lines = vec![Styled::default()];
        for (text, style) in &self.spans {
            for (i, part) in text.split('\n').enumerate() {
                if i > 0 {
                    lines.push(Styled::default());
                }
                if let Some(line) = lines.last_mut() {
                    line.push(part, *style);
                }
            }
        }
        lines
    }

    /// Takes off a last line break.
    pub fn pop_newline(&mut self) {
        if let Some((text, _)) = self.spans.last_mut() {
            if text.ends_with('\n') {
                text.pop();
                if text.is_empty() {
                    self.spans.pop();
                }
            }
        }
    }

    /// The text without styles.
    pub fn text(&self) -> String {
        self.spans.iter().map(|(t, _)| t.as_str()).collect()
    }

    /// The text, each styled piece in its colour when `color`. A line break is never
    /// inside a colour: a colour ends at the end of its line.
    pub fn paint(&self, color: bool) -> String {
        let mut out = String::new();
        for (text, style) in &self.spans {
            match style.ansi().filter(|_| color) {
                None => out.push_str(text),
                Some(ansi) => {
                    for (i, line) in text.split('\n').enumerate() {
                        if i > 0 {
                            out.push('\n');
                        }
                        if !line.is_empty() {
                            out.push_str(ansi);
                            out.push_str(line);
                            out.push_str(RESET);
                        }
                    }
                }
            }
        }
        out
    }

    /// Each piece passed through `f`, which works character by character (as the
    /// backstop does), so the pieces together read as `f` of the whole text.
    pub fn map(self, f: impl Fn(String) -> String) -> Styled {
        let mut out = Styled::default();
        for (text, style) in self.spans {
            out.push(&f(text), style);
        }
        out
    }

    /// `laid`, a new layout of this text that kept its characters but whitespace in
    /// order (wrapped, indented), with each character's style carried over. Whitespace
    /// the layout kept keeps its style; whitespace it added, and every line break, is
    /// plain.
    pub fn relaid(&self, laid: &str) -> Styled {
        let mut source = self
            .spans
            .iter()
            .flat_map(|(t, s)| t.chars().map(move |c| (c, *s)))
            .peekable();
        let mut out = Styled::default();
        let mut buf = [0u8; 4];
        for c in laid.chars() {
            let style = if c.is_whitespace() {
                match source.peek() {
                    Some((w, s)) if w.is_whitespace() => {
                        let s = *s;
                        source.next();
                        if c == '\n' {
                            Style::Plain
                        } else {
                            s
                        }
                    }
                    _ => Style::Plain,
                }
            } else {
                // Whitespace the layout dropped or replaced is skipped.
                while source.next_if(|(w, _)| w.is_whitespace()).is_some() {}
                debug_assert_eq!(source.peek().map(|(w, _)| *w), Some(c));
                source.next().map_or(Style::Plain, |(_, s)| s)
            };
            out.push(c.encode_utf8(&mut buf), style);
        }
        out
    }
}

impl From<&str> for Styled {
    fn from(text: &str) -> Styled {
        Styled::of(text, Style::Plain)
    }
}

impl From<String> for Styled {
    fn from(text: String) -> Styled {
        Styled::of(&text, Style::Plain)
    }
}

impl From<&String> for Styled {
    fn from(text: &String) -> Styled {
        Styled::of(text, Style::Plain)
    }
}

impl fmt::Write for Styled {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Styled {
        let mut s = Styled::from("Verdict: ");
        s.push("NOT READY", Style::Verdict(Verdict::NotReady));
        s.push_str(" — 2: ");
        s.push("high", Style::Severity(Severity::High));
        s.push_str(", ");
        s.push("BLOCKER", Style::Blocker);
        s
    }

    #[test]
    fn colour_is_where_the_renderer_put_it_and_nowhere_else() {
        let s = sample();
        assert_eq!(s.paint(false), s.text());
        assert_eq!(
            s.paint(true),
            "Verdict: \x1b[1;31mNOT READY\x1b[0m — 2: \x1b[31mhigh\x1b[0m, \x1b[1;7;31mBLOCKER\x1b[0m"
        );
    }

    #[test]
    fn styles_follow_the_text_through_a_new_layout() {
        let s = sample();
        let laid = s.relaid("  Verdict: NOT READY —\n    2:   high,\nBLOCKER");
        assert_eq!(
            laid.text(),
            "  Verdict: NOT READY —\n    2:   high,\nBLOCKER"
        );
        assert_eq!(
            laid.paint(true),
            "  Verdict: \x1b[1;31mNOT READY\x1b[0m —\n    2:   \x1b[31mhigh\x1b[0m,\n\x1b[1;7;31mBLOCKER\x1b[0m"
        );
        // A styled piece broken over two lines is painted on each.
        let broken =
            Styled::of("NOT READY", Style::Verdict(Verdict::NotReady)).relaid("NOT\nREADY");
        assert_eq!(
            broken.paint(true),
            "\x1b[1;31mNOT\x1b[0m\n\x1b[1;31mREADY\x1b[0m"
        );
    }

    #[test]
    fn every_verdict_and_severity_has_a_colour() {
        for v in [
            Verdict::Ready,
            Verdict::NotReady,
            Verdict::Incomplete,
            Verdict::Enforced,
        ] {
            assert!(Style::Verdict(v).ansi().is_some());
        }
        for s in Severity::ALL {
            assert!(Style::Severity(s).ansi().is_some());
        }
        for o in Outcome::KNOWN {
            assert!(Style::Outcome(*o).ansi().is_some());
        }
    }
}
