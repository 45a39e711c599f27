//! Presenting a [`Diff`]: table, JSON or Markdown.
//! The table shares its cells with the audit table ([`cells`](super::cells)).

mod markdown;
mod table;

pub use self::markdown::markdown;
pub use self::table::table;

use super::text::visible as v;
use pkce_audit_model::diff::read::Lenient;
use pkce_audit_model::diff::Diff;
use pkce_audit_model::inventory::{AppKind, Owner};
use pkce_audit_model::vocab::choices;
use std::borrow::Cow;

choices! {
    /// Output formats of `diff`.
    pub enum Format("diff format") {
        Table = "table",
        Json = "json",
        Markdown = "markdown",
    }
}

/// Renders the diff in a format; `width` applies to the table.
pub fn render(diff: &Diff, format: Format, width: u16) -> String {
    match format {
        Format::Table => table(diff, width),
        Format::Json => json(diff),
        Format::Markdown => markdown(diff),
    }
}

/// Exact text, with the characters a terminal would act on escaped, as in `audit --json`.
pub fn json(diff: &Diff) -> String {
    crate::json::document(diff)
}

/// The app kind in the diff's few letters. Unlike the audit table ([`kind_abbrev`]), an
/// app defined in another org is written out (`external`), as the diff always has; a kind
/// this version does not know is shown as read.
///
/// [`kind_abbrev`]: super::cells::kind_abbrev
fn kind_short(kind: &Lenient<AppKind>) -> Cow<'_, str> {
    match kind {
        Lenient::Known(k @ (AppKind::ConnectedApp | AppKind::ExternalClientApp)) => {
            super::cells::kind_abbrev(k).into()
        }
        Lenient::Known(AppKind::External) | Lenient::Unknown(_) => v(kind.as_str()),
    }
}

/// [`owner_text`](super::cells::owner_text), or an owner this version does not know as read.
fn owner_text(owner: &Lenient<Owner>, namespace: Option<&str>) -> String {
    match owner {
        Lenient::Known(o) => super::cells::owner_text(o, namespace),
        Lenient::Unknown(o) => o.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_from_their_names() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(*f));
        }
        assert_eq!(
            "sarif".parse::<Format>(),
            Err("unknown diff format 'sarif' (one of: table, json, markdown)".into())
        );
    }
}
