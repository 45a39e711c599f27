//! REST answers: API versions, SOQL query pages, the OAuth token endpoint, errors.

use serde::Deserialize;

/// The oldest API version with `isPkceRequired` (org settings and Connected Apps).
pub const MIN_API_VERSION: (u32, u32) = (59, 0);

/// Parses `66.0` (or `66`) into a comparable pair.
pub fn parse_version(v: &str) -> Option<(u32, u32)> {
    let v = v.trim().trim_start_matches(['v', 'V']);
    let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
    Some((major.parse().ok()?, minor.parse().ok()?))
}

pub fn format_version((major, minor): (u32, u32)) -> String {
    format!("{major}.{minor}")
}

#[derive(Deserialize)]
struct VersionEntry {
    version: String,
}

/// The newest version in `GET /services/data` (a JSON array of `{version, label, url}`).
pub fn newest_version(body: &[u8]) -> Result<(u32, u32), String> {
    versions(body)?
        .last()
        .copied()
        .ok_or_else(|| "the org lists no API versions".into())
}

/// Every version in `GET /services/data`, oldest first, without repeats.
pub fn versions(body: &[u8]) -> Result<Vec<(u32, u32)>, String> {
    let entries: Vec<VersionEntry> = serde_json::from_slice(body)
        .map_err(|e| format!("not the JSON list of API versions ({e})"))?;
    let mut v: Vec<(u32, u32)> = entries
        .iter()
        .filter_map(|e| parse_version(&e.version))
        .collect();
    v.sort_unstable();
    v.dedup();
    Ok(v)
}

/// Versions for a message: runs of consecutive major versions as `31.0–66.0`.
pub fn describe_versions(v: &[(u32, u32)]) -> String {
    let mut runs: Vec<((u32, u32), (u32, u32))> = Vec::new();
    for &x in v {
        match runs.last_mut() {
            Some((_, end)) if x.1 == 0 && end.1 == 0 && x.0 == end.0 + 1 => *end = x,
            _ => runs.push((x, x)),
        }
    }
    runs.iter()
        .map(|&(a, b)| {
            if a == b {
                format_version(a)
            } else {
                format!("{}\u{2013}{}", format_version(a), format_version(b))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One page of `GET /services/data/vXX.X/query`. `records` and `done` are in every query
/// answer (REST API Developer Guide, "Query"; the restforce samples in ../shared/corpus):
/// without them the answer is something else (a describe, an error object) and is refused,
/// never read as an empty page.
#[derive(Debug, Deserialize)]
pub struct QueryPage {
    pub records: Vec<serde_json::Value>,
    pub done: bool,
    #[serde(default, rename = "nextRecordsUrl")]
    pub next_records_url: Option<String>,
    /// Rows the query matched; more than were returned when a cap stopped it early.
    #[serde(default, rename = "totalSize")]
    pub total_size: Option<u64>,
}

/// Most JSON values (objects, arrays, strings, numbers...) one query page may hold: 100
/// per record of a full page. The widest row pkce-audit reads (a package with its version)
/// has about 20. Each value costs some 100 bytes once parsed, so a page stays near 20 MB
/// however a hostile server packs its bytes.
pub const MAX_PAGE_VALUES: usize = 200_000;

/// Most records in one query page: Salesforce sends at most 2,000 ("up to 2,000 records
/// can be returned at a time", REST API Developer Guide, resources_query.htm).
pub const MAX_PAGE_RECORDS: usize = 2_000;

/// One page, refused when it holds more than [`MAX_PAGE_RECORDS`] records or
/// [`MAX_PAGE_VALUES`] values (counted before anything is built).
pub fn parse_query_page(body: &[u8]) -> Result<QueryPage, String> {
    let max_records = MAX_PAGE_RECORDS;
    count_values(body, MAX_PAGE_VALUES).map_err(|e| format!("not a query result ({e})"))?;
    let page: QueryPage =
        serde_json::from_slice(body).map_err(|e| format!("not a query result ({e})"))?;
    if page.records.len() > max_records {
        return Err(format!(
            "the query page holds {} records, more than the {max_records} Salesforce sends in one page",
            page.records.len()
        ));
    }
    Ok(page)
}

/// Counts the values of a JSON document without building any; fails past `limit`, or
/// where the document is not JSON.
pub fn count_values(body: &[u8], limit: usize) -> Result<usize, String> {
    use serde::de::DeserializeSeed;
    let seen = std::cell::Cell::new(0);
    let mut de = serde_json::Deserializer::from_slice(body);
    Counter { seen: &seen, limit }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| e.to_string())?;
    Ok(seen.get())
}

#[derive(Clone, Copy)]
struct Counter<'a> {
    seen: &'a std::cell::Cell<usize>,
    limit: usize,
}

impl Counter<'_> {
    fn bump<E: serde::de::Error>(self) -> Result<(), E> {
        let n = self.seen.get() + 1;
        self.seen.set(n);
        if n > self.limit {
            return Err(E::custom(format!("more than {} JSON values", self.limit)));
        }
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Counter<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Counter<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.bump()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.bump()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.bump()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.bump()
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.bump()
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.bump()
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.bump()
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.bump()?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.bump()?;
        while map.next_key::<serde::de::IgnoredAny>()?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }
}

/// `SELECT COUNT()` (no field list): the answer's `totalSize` is the count and it returns
/// no rows by design (SOQL and SOSL Reference, "COUNT()").
pub fn is_count_only(soql: &str) -> bool {
    let words: Vec<String> = soql
        .split_whitespace()
        .take(2)
        .map(str::to_ascii_uppercase)
        .collect();
    matches!(words.as_slice(), [select, count] if select == "SELECT" && count == "COUNT()")
}

/// Why a query read to its end is short: fewer rows than the first page's `totalSize`
/// said it matched. `None` when the rows add up, or for `SELECT COUNT()`.
pub fn short_of_total(soql: &str, total_size: Option<u64>, rows: u64) -> Option<String> {
    let total = total_size?;
    (total > rows && !is_count_only(soql)).then(|| {
        format!("the query result says totalSize {total} but its pages hold {rows} row(s)")
    })
}

/// A `nextRecordsUrl` is followed only as a path on the same instance: an absolute URL
/// would carry the token to whatever host it names.
pub fn next_page_path(next: &str) -> Option<&str> {
    (next.starts_with("/services/data/") && !next.contains("://") && !next.contains(".."))
        .then_some(next)
}

/// `(errorCode, message)` of a REST error body: `[{"message","errorCode"}]`, or the OAuth
/// endpoint's `{"error","error_description"}`.
pub fn parse_error(body: &[u8]) -> Option<(String, String)> {
    // Real error bodies hold a handful of values; a hostile one is not built.
    count_values(body, 1_000).ok()?;
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let first = match &v {
        serde_json::Value::Array(a) => a.first()?,
        other => other,
    };
    let s = |k: &str| first.get(k).and_then(|x| x.as_str()).map(str::to_string);
    match (s("errorCode"), s("message")) {
        (Some(c), m) => Some((c, m.unwrap_or_default())),
        (None, _) => Some((s("error")?, s("error_description").unwrap_or_default())),
    }
}

/// The token endpoint's answer; only what is used.
#[derive(Deserialize)]
pub struct TokenAnswer {
    pub access_token: String,
    #[serde(default)]
    pub instance_url: Option<String>,
}

/// `Sforce-Limit-Info: api-usage=10018/100000; api-bursts=1/750` → (used, limit).
pub fn parse_limit_info(header: &str) -> Option<(u64, u64)> {
    header.split([';', ',']).find_map(|part| {
        let (used, limit) = part.trim().strip_prefix("api-usage=")?.split_once('/')?;
        Some((used.trim().parse().ok()?, limit.trim().parse().ok()?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("66.0"), Some((66, 0)));
        assert_eq!(parse_version("v59.0"), Some((59, 0)));
        assert_eq!(parse_version("60"), Some((60, 0)));
        assert_eq!(parse_version("sixty"), None);
        let body = br#"[{"label":"Winter '24","url":"/services/data/v59.0","version":"59.0"},{"label":"Spring '26","url":"/services/data/v66.0","version":"66.0"},{"version":"9.0"}]"#;
        assert_eq!(newest_version(body), Ok((66, 0)));
        assert!(newest_version(b"[]").is_err());
        assert!(newest_version(b"<html>").is_err());
    }

    #[test]
    fn query_pages_from_the_corpus() {
        let p = parse_query_page(br#"{"totalSize":2,"done":false,"nextRecordsUrl":"/services/data/v26.0/query/01gD","records":[{"attributes":{"type":"Whizbang"},"Text_Label":"First Page"}]}"#).unwrap();
        assert!(!p.done);
        assert_eq!(p.records.len(), 1);
        assert_eq!(p.total_size, Some(2));
        assert_eq!(
            next_page_path(p.next_records_url.as_deref().unwrap()),
            Some("/services/data/v26.0/query/01gD")
        );
        assert_eq!(
            next_page_path("https://evil.example.com/services/data/x"),
            None
        );
        assert_eq!(next_page_path("/services/data/../../x"), None);
        let empty = parse_query_page(br#"{"totalSize":0,"done":true,"records":[]}"#).unwrap();
        assert!(empty.done && empty.records.is_empty());
    }

    #[test]
    fn pages_beyond_the_bounds_are_refused_before_they_are_built() {
        assert_eq!(
            count_values(br#"{"a":[1,"x",null,{"b":true}]}"#, 100),
            Ok(7)
        );
        assert!(count_values(b"[1,2,3]", 3)
            .unwrap_err()
            .contains("more than 3"));
        assert!(count_values(b"[1,2", 100).is_err());
        assert!(count_values(b"[1] x", 100).is_err());
        let page = |records: &str| {
            format!(r#"{{"totalSize":1,"done":true,"records":[{records}]}}"#).into_bytes()
        };
        let rows = |n: usize| vec![r#"{"Id":"x"}"#; n].join(",");
        assert!(parse_query_page(&page(&rows(MAX_PAGE_RECORDS))).is_ok());
        let e = parse_query_page(&page(&rows(MAX_PAGE_RECORDS + 1))).unwrap_err();
        assert!(e.contains("more than the 2000"), "{e}");
        let wide = format!(r#"{{"x":[{}]}}"#, vec!["0"; MAX_PAGE_VALUES].join(","));
        let e = parse_query_page(&page(&wide)).unwrap_err();
        assert!(e.contains("more than 200000 JSON values"), "{e}");
        // A huge error body is not an error code.
        let big = format!(
            r#"[{{"errorCode":"X","message":"m","pad":[{}]}}]"#,
            vec!["0"; 2000].join(",")
        );
        assert_eq!(parse_error(big.as_bytes()), None);
    }

    #[test]
    fn a_count_query_alone_may_hold_fewer_rows_than_its_total() {
        assert!(is_count_only("SELECT COUNT() FROM OauthToken"));
        assert!(is_count_only(
            "  select   count()  from LoginHistory WHERE x = 1"
        ));
        assert!(!is_count_only("SELECT COUNT(Id) FROM OauthToken"));
        assert!(!is_count_only("SELECT Name FROM ConnectedApplication"));
        assert_eq!(
            short_of_total("SELECT COUNT() FROM OauthToken", Some(9), 0),
            None
        );
        assert_eq!(short_of_total("SELECT Id FROM X", Some(3), 3), None);
        assert_eq!(short_of_total("SELECT Id FROM X", None, 0), None);
        assert_eq!(
            short_of_total("SELECT Id FROM X", Some(5), 3).as_deref(),
            Some("the query result says totalSize 5 but its pages hold 3 row(s)")
        );
    }

    #[test]
    fn errors_from_the_corpus() {
        assert_eq!(
            parse_error(br#"[{"message":"error_message","errorCode":"INVALID_FIELD"}]"#),
            Some(("INVALID_FIELD".into(), "error_message".into()))
        );
        assert_eq!(
            parse_error(
                br#"{"error":"invalid_grant","error_description":"expired access/refresh token"}"#
            ),
            Some((
                "invalid_grant".into(),
                "expired access/refresh token".into()
            ))
        );
        assert_eq!(parse_error(b"oops"), None);
    }

    #[test]
    fn limit_info() {
        assert_eq!(
            parse_limit_info("api-usage=10018/100000"),
            Some((10018, 100000))
        );
        assert_eq!(
            parse_limit_info("api-bursts=1/750; api-usage=7/15000"),
            Some((7, 15000))
        );
        assert_eq!(parse_limit_info("garbage"), None);
    }
}
