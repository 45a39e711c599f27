//! The presentation layer of the self-contained HTML pages (`audit --format html`, built in
//! [`crate::report`]'s `html`, and `fleet --format html`, in [`crate::fleet`]'s): one page
//! for a change-review board to open, read, print and sign.
//!
//! A page is built as a typed [`Page`] (sections of blocks: paragraphs, tables, lists, a
//! chart, a sign-off block) and written by the one writer in [`page`]. Text reaches the
//! output only through [`escape`]: every value is entity-escaped and made visible (controls
//! and bidirectional overrides shown as code points), and no value ever becomes a link,
//! an attribute other than a fixed one, or a tag. The page loads nothing: its
//! Content-Security-Policy forbids every fetch but inline styles and `data:` images.

mod escape;
mod page;

pub use self::escape::{escape, escape_breakable};
pub use self::page::{write, CSP};
use pkce_audit_model::rules::Verdict;

/// What colour a badge or the verdict banner carries. Never the only signal: a badge
/// always carries its word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Bad,
    Warn,
    Neutral,
}

/// A run of inline text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Text(String),
    /// An identifier: an API name, a rule id, a command.
    Code(String),
    Strong(String),
    /// A coloured word.
    Badge(Tone, String),
    /// A line break inside a cell.
    Break,
    /// A link to a section of the same page (its fixed id), never to a value.
    Anchor(&'static str, String),
}

/// Inline text: a cell, a paragraph, a list item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub Vec<Span>);

impl Text {
    pub fn plain(s: impl Into<String>) -> Text {
        Text(vec![Span::Text(s.into())])
    }
    pub fn code(s: impl Into<String>) -> Text {
        Text(vec![Span::Code(s.into())])
    }
    pub fn badge(tone: Tone, s: impl Into<String>) -> Text {
        Text(vec![Span::Badge(tone, s.into())])
    }
    /// Identifiers as code, separated by commas; `none` when there are none.
    pub fn codes<S: AsRef<str>>(items: &[S]) -> Text {
        if items.is_empty() {
            return Text::plain("none");
        }
        let mut t = Text::default();
        for (i, s) in items.iter().enumerate() {
            if i > 0 {
                t = t.then(", ");
            }
            t.0.push(Span::Code(s.as_ref().to_string()));
        }
        t
    }
    /// This text followed by plain text.
    pub fn then(mut self, s: impl Into<String>) -> Text {
        self.0.push(Span::Text(s.into()));
        self
    }
    pub fn then_span(mut self, s: Span) -> Text {
        self.0.push(s);
        self
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::plain(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::plain(s)
    }
}

/// A table: a caption, the column headers, and rows whose first cell heads the row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub caption: String,
    pub head: Vec<&'static str>,
    pub rows: Vec<Vec<Text>>,
}

/// A bar chart: one labelled bar per entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub title: String,
    pub bars: Vec<(String, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(Text),
    /// A third-level heading inside a section.
    Subheading(String),
    Table(Table),
    List(Vec<Text>),
    /// A list whose order matters (most urgent first): numbered.
    Numbered(Vec<Text>),
    Chart(Chart),
    /// A blank form to fill in by hand: one labelled line per field.
    SignOff(Vec<&'static str>),
}

/// A second-level section; `id` is its anchor in the page's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: &'static str,
    pub heading: String,
    pub blocks: Vec<Block>,
}

impl Section {
    pub fn new(id: &'static str, heading: impl Into<String>) -> Section {
        Section {
            id,
            heading: heading.into(),
            blocks: Vec::new(),
        }
    }
    pub fn push(&mut self, b: Block) -> &mut Self {
        self.blocks.push(b);
        self
    }
    pub fn para(&mut self, t: impl Into<Text>) -> &mut Self {
        self.push(Block::Paragraph(t.into()))
    }
}

/// The verdict at the top of the page: its word (coloured, and always written) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    pub tone: Tone,
    pub word: String,
    pub reason: String,
}

/// One HTML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The `<title>` and the `<h1>`.
    pub title: String,
    pub banner: Banner,
    pub sections: Vec<Section>,
    /// The last line: which tool wrote the page.
    pub footer: String,
}

/// The verdict's colour; its word is always written beside it.
pub fn verdict_tone(v: Verdict) -> Tone {
    match v {
        Verdict::Ready => Tone::Good,
        Verdict::NotReady => Tone::Bad,
        Verdict::Incomplete => Tone::Warn,
        Verdict::Enforced => Tone::Neutral,
    }
}

/// The fields of the sign-off block, each a line to write on.
pub const SIGN_OFF: &[&str] = &["Change number", "Approver", "Date", "Decision"];

/// The blank sign-off section every board page ends with.
pub fn sign_off() -> Section {
    let mut s = Section::new("signoff", "Sign-off");
    s.para("For the change-review board: fill in by hand or in a copy of this page.");
    s.push(Block::SignOff(SIGN_OFF.to_vec()));
    s
}

/// A page of these sections only, for the tests of the writer.
#[cfg(test)]
pub(crate) fn page_of(sections: Vec<Section>) -> String {
    write(&Page {
        title: "t".into(),
        banner: Banner {
            tone: Tone::Good,
            word: "READY".into(),
            reason: "r".into(),
        },
        sections,
        footer: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_off_is_blank_lines_to_write_on() {
        let page = page_of(vec![sign_off()]);
        for f in SIGN_OFF {
            assert!(
                page.contains(&format!("<th scope=\"row\">{f}</th><td></td>")),
                "{page}"
            );
        }
    }
}
