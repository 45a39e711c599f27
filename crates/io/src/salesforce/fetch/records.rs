//! `readMetadata`'s answers: the records matched to the names asked for, by exact
//! `fullName` only, and why each name that was not read was not.

use crate::metadata::MetadataType;
use crate::xml::Element;
use std::collections::{HashMap, HashSet};

/// Why a name asked of `readMetadata` was not read from its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::salesforce) enum Unread {
    /// No record carries the name. The answer's nil records and records without a
    /// fullName cannot be told apart; records for names not asked for are ignored.
    NoRecord {
        nil: usize,
        unnamed: usize,
        strangers: usize,
    },
    /// Several records carry the name: which one is the org's cannot be told.
    Repeated(usize),
    /// The record carries the name and nothing else.
    OnlyName,
}

impl Unread {
    pub(in crate::salesforce) fn describe(&self) -> String {
        const WHY: &str = "Salesforce answers so for a component it cannot find or will not show this user (hidden from this user, or deleted during the audit)";
        match self {
            Unread::NoRecord {
                nil,
                unnamed,
                strangers,
            } => {
                let held: Vec<String> = [
                    (*nil, "nil record(s)"),
                    (*unnamed, "record(s) without a fullName"),
                    (*strangers, "record(s) for names not asked for"),
                ]
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| format!("{n} {what}"))
                .collect();
                let held = if held.is_empty() {
                    String::new()
                } else {
                    format!(" (its answer held {})", held.join(", "))
                };
                format!("readMetadata returned no record with this fullName{held}; {WHY}")
            }
            Unread::Repeated(n) => format!(
                "readMetadata returned {n} records with this fullName; which one is the org's cannot be told, so none was used"
            ),
            Unread::OnlyName => {
                format!("readMetadata returned a record holding its fullName and nothing else; {WHY}")
            }
        }
    }
}

/// How the records of one `readMetadata` answer map to the names asked for.
#[derive(Debug, Default)]
pub(in crate::salesforce) struct Matched {
    /// Names answered by exactly one record with content, in the order asked.
    pub(in crate::salesforce) records: Vec<(String, Element)>,
    /// Names asked for and not read, in the order asked.
    pub(in crate::salesforce) unread: Vec<(String, Unread)>,
    /// Records for names nobody asked for (ignored).
    pub(in crate::salesforce) notes: Vec<String>,
}

/// The record's one `fullName`; `None` when it has none, an empty one, or several.
pub(super) fn record_name(record: &Element) -> Option<&str> {
    let mut names = record.children_named("fullName");
    let first = names.next()?;
    if names.next().is_some() || first.is_nil() || first.text.is_empty() {
        return None;
    }
    Some(first.text.as_str())
}

/// A record with nothing but its name (and nil elements): no content was read.
pub(super) fn only_name(record: &Element) -> bool {
    record
        .children
        .iter()
        .all(|c| c.name == "fullName" || (c.is_nil() && c.text.is_empty() && c.children.is_empty()))
}

/// Matches the records of one answer to the names asked for, by exact `fullName` only:
/// not by position, not ignoring case. A name is read only when exactly one record carries
/// it and that record holds more than its name.
///
/// `readMetadata` does not fault for a name it cannot find or will not let this user
/// read: it answers with a nil record (`<records xsi:nil="true"/>`, heroku/force
/// metadata_test.go, reference §4.3) or a record without a fullName ("Why does
/// readMetadata not throw an exception? … a metadata record is returned but with a null
/// fullName", certinia/apex-mdapi README; "empty object instead of an empty records
/// list", certinia/apex-mdapi#142, #162; forcedotcom/cli#1917 `{}` records). The docs
/// only say that "the full names must match one or more full names returned by the
/// listMetadata() call" (developer.salesforce.com, meta_readMetadata.htm). So a record
/// without a name, or with nothing but its name, is a component not read, never an app
/// without OAuth settings.
pub(in crate::salesforce) fn match_records(
    ty: MetadataType,
    asked: &[String],
    records: Vec<Option<Element>>,
) -> Matched {
    let mut nil = 0;
    let mut unnamed = 0;
    let mut by_name: HashMap<String, Vec<Element>> = HashMap::new();
    let mut strangers = 0;
    let mut notes = Vec::new();
    for record in records {
        let Some(element) = record else {
            nil += 1;
            continue;
        };
        let Some(name) = record_name(&element) else {
            unnamed += 1;
            continue;
        };
        if asked.iter().any(|a| a == name) {
            by_name.entry(name.to_string()).or_default().push(element);
        } else {
            strangers += 1;
            notes.push(format!(
                "readMetadata of {ty} returned a record for {name:?}, a name that was not asked for; it was ignored"
            ));
        }
    }
    let mut out = Matched {
        notes,
        ..Default::default()
    };
    let mut seen = HashSet::new();
    for name in asked {
        if !seen.insert(name.as_str()) {
            continue;
        }
        let mut found = by_name.remove(name).unwrap_or_default();
        match found.len() {
            0 => out.unread.push((
                name.clone(),
                Unread::NoRecord {
                    nil,
                    unnamed,
                    strangers,
                },
            )),
            1 => {
                let element = found.pop().expect("one record");
                if only_name(&element) {
                    out.unread.push((name.clone(), Unread::OnlyName));
                } else {
                    out.records.push((name.clone(), element));
                }
            }
            n => out.unread.push((name.clone(), Unread::Repeated(n))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    fn rec(xml: &str) -> Option<Element> {
        Some(
            parse(
                format!(r#"<records xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" {xml}"#)
                    .as_bytes(),
            )
            .unwrap(),
        )
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    const CA: MetadataType = MetadataType::ConnectedApp;

    #[test]
    fn records_match_names_by_exact_full_name_only() {
        // Out of order, one nil: matched by name, never by position.
        let m = match_records(
            CA,
            &names(&["A", "B", "C"]),
            vec![
                rec(r#"xsi:type="ConnectedApp"><fullName>C</fullName><label>c</label></records>"#),
                None,
                rec(r#"xsi:type="ConnectedApp"><fullName>A</fullName><label>a</label></records>"#),
            ],
        );
        let read: Vec<_> = m.records.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(read, ["A", "C"]);
        assert_eq!(
            m.unread,
            [(
                "B".to_string(),
                Unread::NoRecord {
                    nil: 1,
                    unnamed: 0,
                    strangers: 0
                }
            )]
        );
        assert!(m.notes.is_empty());

        // Same count, no names: positions prove nothing.
        let m = match_records(
            CA,
            &names(&["A"]),
            vec![rec(r#"xsi:type="ConnectedApp"><label>a</label></records>"#)],
        );
        assert!(m.records.is_empty());
        assert!(matches!(m.unread[0].1, Unread::NoRecord { unnamed: 1, .. }));
        assert!(m.unread[0]
            .1
            .describe()
            .contains("1 record(s) without a fullName"));

        // Another case is another name: a note, and the name asked is unread.
        let m = match_records(
            CA,
            &names(&["My_App"]),
            vec![rec(
                r#"xsi:type="ConnectedApp"><fullName>my_app</fullName><label>a</label></records>"#,
            )],
        );
        assert!(m.records.is_empty());
        assert!(matches!(
            m.unread[0].1,
            Unread::NoRecord { strangers: 1, .. }
        ));
        assert_eq!(m.notes.len(), 1);
        assert!(m.notes[0].contains("\"my_app\", a name that was not asked for"));
    }

    #[test]
    fn empty_name_only_and_repeated_records_are_not_read() {
        let m = match_records(
            CA,
            &names(&["A", "B", "C", "D", "E"]),
            vec![
                rec(r#"xsi:type="ConnectedApp"><fullName>A</fullName></records>"#),
                rec(
                    r#"xsi:type="ConnectedApp"><fullName>B</fullName><label xsi:nil="true"/></records>"#,
                ),
                rec(r#"xsi:type="ConnectedApp"><fullName>C</fullName><label>c</label></records>"#),
                rec(r#"xsi:type="ConnectedApp"><fullName>C</fullName><label>c</label></records>"#),
                rec(r#"xsi:type="ConnectedApp"><fullName/><label>d</label></records>"#),
                rec(
                    r#"xsi:type="ConnectedApp"><fullName>E</fullName><fullName>D</fullName><label>e</label></records>"#,
                ),
                rec(r#"xsi:type="ConnectedApp"/>"#),
            ],
        );
        assert!(m.records.is_empty(), "{:?}", m.records);
        let unread: Vec<_> = m
            .unread
            .iter()
            .map(|(n, u)| (n.as_str(), u.clone()))
            .collect();
        let none = Unread::NoRecord {
            nil: 0,
            unnamed: 3,
            strangers: 0,
        };
        assert_eq!(
            unread,
            [
                ("A", Unread::OnlyName),
                ("B", Unread::OnlyName),
                ("C", Unread::Repeated(2)),
                ("D", none.clone()),
                ("E", none),
            ]
        );
        assert!(Unread::Repeated(2).describe().contains("2 records"));
        assert!(Unread::OnlyName.describe().contains("nothing else"));
    }
}
