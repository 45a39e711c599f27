//! The report in each of its formats: the one entry point the binary calls.

use super::{csv, csv_apps, markdown, sarif, Report};
use pkce_audit_model::vocab::choices;

choices! {
    /// Output formats of `audit`.
    pub enum Format("format") {
        Table = "table",
        Csv = "csv",
        Json = "json",
        /// The rollout plan for a change-review board.
        Markdown = "markdown",
        /// SARIF 2.1.0 for code scanning.
        Sarif = "sarif",
        /// One self-contained page for a change-review board to read, print and sign.
        Html = "html",
    }
}

choices! {
    /// What one CSV row stands for.
    #[derive(Default)]
    pub enum CsvRows("CSV row kind") {
        #[default]
        Findings = "findings",
        Apps = "apps",
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    pub width: u16,
    pub csv_rows: CsvRows,
    /// ANSI colour in the table format (never in html, whose colours are its own) (the verdict word, BLOCKER, severities). The caller
    /// decides (terminal, `--color`, NO_COLOR); the machine formats never carry colour.
    pub color: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            width: 100,
            csv_rows: CsvRows::Findings,
            color: false,
        }
    }
}

/// Exact text, with the characters a terminal would act on escaped (see
/// [`json_escape_invisible`](super::text::json_escape_invisible)).
pub fn json(report: &Report) -> String {
    crate::json::document(report)
}

/// Renders the report in a format.
pub fn render(report: &Report, format: Format, opts: RenderOptions) -> String {
    match format {
        Format::Table => super::table::styled(report, opts.width).paint(opts.color),
        Format::Csv => match opts.csv_rows {
            CsvRows::Findings => csv(report),
            CsvRows::Apps => csv_apps(report),
        },
        Format::Json => json(report),
        Format::Markdown => markdown(report),
        Format::Sarif => sarif(report),
        Format::Html => super::html::html(report),
    }
}
