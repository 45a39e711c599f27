//! docs/verify.md's status decoder table is the model's table (`login_status::ENTRIES`),
//! row for row: a text, code, class, meaning or source changed on one side fails.

use pkce_audit_model::login_status::{Entry, ENTRIES, LOGIN_HISTORY, LOGIN_STATUS_TABLE};
use std::path::Path;

const HEADER: &str = "| Status | LOGIN_STATUS code | Class | Meaning | Source |";

/// The source cell: the two primary sources by reference link (defined under the table,
/// checked below), anything else inline.
fn source(e: &Entry) -> String {
    let link = match e.source {
        LOGIN_STATUS_TABLE => "[LOGIN_STATUS table][login-status]".to_string(),
        LOGIN_HISTORY => "[LoginHistory][loginhistory]".to_string(),
        other => format!("<{other}>"),
    };
    let secondary = if e.confirmed {
        ""
    } else {
        " (secondary, UNCONFIRMED)"
    };
    format!("{link}{secondary}")
}

fn row(e: &Entry) -> String {
    format!(
        "| `{}` | `{}` | {} | {} | {} |",
        e.status,
        e.code,
        e.class,
        e.meaning,
        source(e)
    )
}

/// The table rows of the "Status decoder" section (lines after the header that start
/// with `|` and are not the separator).
fn documented_rows(doc: &str) -> Vec<String> {
    let section = doc
        .split("\n## ")
        .find(|s| s.starts_with("Status decoder"))
        .expect("docs/verify.md has a \"## Status decoder\" section");
    let mut lines = section.lines().skip_while(|l| l.trim() != HEADER);
    assert_eq!(
        lines.next().map(str::trim),
        Some(HEADER),
        "the decoder table's header"
    );
    lines
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_end().to_string())
        .collect()
}

#[test]
fn the_status_decoder_table_in_docs_is_entries() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/verify.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let expected: Vec<String> = ENTRIES.iter().map(row).collect();
    let documented = documented_rows(&doc);
    for (label, url) in [
        ("login-status", LOGIN_STATUS_TABLE),
        ("loginhistory", LOGIN_HISTORY),
    ] {
        assert!(
            doc.lines().any(|l| l.trim() == format!("[{label}]: {url}")),
            "docs/verify.md defines [{label}]: {url}"
        );
    }
    assert!(
        documented == expected,
        "docs/verify.md's status decoder differs from login_status::ENTRIES; the table should read:\n\n{HEADER}\n|---|---|---|---|---|\n{}\n",
        expected.join("\n")
    );
}

#[test]
fn a_changed_row_is_caught() {
    // The check itself can fail: one row changed, one dropped.
    let mut rows: Vec<String> = ENTRIES.iter().map(row).collect();
    let table = |rows: &[String]| {
        format!(
            "# x\n\n## Status decoder\n\n{HEADER}\n|---|---|---|---|---|\n{}\n\n## Next\n",
            rows.join("\n")
        )
    };
    assert_eq!(documented_rows(&table(&rows)), rows);
    let original = rows.clone();
    rows[1] = rows[1].replace("pkce", "app-oauth");
    assert_ne!(documented_rows(&table(&rows)), original);
    rows.pop();
    assert_ne!(documented_rows(&table(&rows)).len(), original.len());
}
