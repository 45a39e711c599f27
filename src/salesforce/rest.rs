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
    let entries: Vec<VersionEntry> = serde_json::from_slice(body)
        .map_err(|e| format!("not the JSON list of API versions ({e})"))?;
    entries
        .iter()
        .filter_map(|e| parse_version(&e.version))
        .max()
        .ok_or_else(|| "the org lists no API versions".into())
}

/// One page of `GET /services/data/vXX.X/query`.
#[derive(Debug, Deserialize)]
pub struct QueryPage {
    #[serde(default)]
    pub records: Vec<serde_json::Value>,
    #[serde(default)]
    pub done: bool,
    #[serde(default, rename = "nextRecordsUrl")]
    pub next_records_url: Option<String>,
    /// Rows the query matched; more than were returned when a cap stopped it early.
    #[serde(default, rename = "totalSize")]
    pub total_size: Option<u64>,
}

pub fn parse_query_page(body: &[u8]) -> Result<QueryPage, String> {
    serde_json::from_slice(body).map_err(|e| format!("not a query result ({e})"))
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
