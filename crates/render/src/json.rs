//! The one JSON writer. Every JSON document the tool prints (the report, diff, fleet,
//! doctor, fix, fetch summary, rules, clients and error documents) comes through
//! [`document`], which refuses one that does not lead with its `schema_version`; SARIF,
//! whose shape is OASIS's, through [`pretty`]. Both write pretty JSON ending in a line
//! break, with the characters a terminal would act on escaped
//! ([`json_escape_invisible`](pkce_audit_model::text::json_escape_invisible)): a parser reads
//! back the exact text.

use pkce_audit_model::text::json_escape_invisible;
use serde::Serialize;

/// What every document starts with (serde writes a struct's fields in order).
const LEAD: &str = "{\n  \"schema_version\": ";

/// A document whose own type has no `schema_version`: the version, then its fields.
#[derive(Serialize)]
pub struct Versioned<'a, T: Serialize + ?Sized> {
    pub schema_version: u32,
    #[serde(flatten)]
    pub body: &'a T,
}

impl<'a, T: Serialize + ?Sized> Versioned<'a, T> {
    pub fn new(schema_version: u32, body: &'a T) -> Self {
        Versioned {
            schema_version,
            body,
        }
    }
}

/// A versioned document: panics (a bug, caught by every document's test) when its first
/// field is not `schema_version`.
pub fn document(doc: &impl Serialize) -> String {
    let text = pretty(doc);
    assert!(
        text.starts_with(LEAD),
        "a JSON document leads with its schema_version"
    );
    text
}

/// Pretty JSON with a final line break and invisible characters escaped.
pub fn pretty(value: &impl Serialize) -> String {
    // Serialising a value of ours cannot fail: no map has non-string keys.
    let mut s = serde_json::to_string_pretty(value).expect("a document serialises");
    s.push('\n');
    json_escape_invisible(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Body {
        b: u8,
        a: &'static str,
    }

    #[test]
    fn a_document_leads_with_its_version_and_keeps_its_fields_in_order() {
        let body = Body {
            b: 1,
            a: "x\u{202e}y",
        };
        assert_eq!(
            document(&Versioned::new(3, &body)),
            "{\n  \"schema_version\": 3,\n  \"b\": 1,\n  \"a\": \"x\\u202ey\"\n}\n"
        );
    }

    #[test]
    #[should_panic(expected = "schema_version")]
    fn a_document_without_a_version_is_refused() {
        document(&Body { b: 1, a: "" });
    }
}
