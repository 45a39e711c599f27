//! REST side: `GET /services/data` (versions), `GET /services/data/vNN.0[/tooling]/query?q=`,
//! the `nextRecordsUrl` locators, and `POST /services/oauth2/token` (refresh grant).
//!
//! Errors are JSON arrays `[{"message":..,"errorCode":..}]`; query responses carry
//! `Sforce-Limit-Info: api-usage=N/LIMIT`.

use super::org::fake_id;
use super::{soql, PageFault, Shared};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

const JSON: &str = "application/json;charset=UTF-8";

pub fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    super::text_response(status, JSON, value.to_string())
}

/// `[{"message": ..., "errorCode": ...}]` with the given status.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    json_response(status, &json!([{ "message": message, "errorCode": code }]))
}

/// Release names by API version, as `GET /services/data` labels them.
fn release_label(version: &str) -> String {
    let major: u32 = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        return format!("Version {version}");
    }
    // Three releases a year; 58.0 was Summer '23, 59.0 Winter '24, 60.0 Spring '24.
    let season = ["Spring", "Summer", "Winter"][(major % 3) as usize];
    let year = (major + 13) / 3;
    format!("{season} '{year:02}")
}

pub fn versions(shared: &Arc<Shared>) -> Response<Body> {
    shared.count("versions");
    let list: Vec<Value> = shared
        .cfg
        .api_versions
        .iter()
        .map(|v| {
            json!({
                "label": release_label(v),
                "url": format!("/services/data/v{v}"),
                "version": v,
            })
        })
        .collect();
    json_response(StatusCode::OK, &Value::Array(list))
}

/// A query result kept for its `nextRecordsUrl`.
struct Cursor {
    records: Vec<Value>,
    tooling: bool,
    page_size: usize,
    /// `totalSize`: more than `records` when a cap held rows back.
    total: usize,
    /// Every page answered this wrong way (`Config::inconsistent_pages`).
    fault: Option<PageFault>,
}

/// OauthToken, as documented: "A query() call returns up to 500 rows. A queryMore() call
/// returns 500 more, up to 2500 total. No more records are returned after 2500."
const OAUTH_TOKEN_PAGE: usize = 500;
const MAX_OFFSET: usize = 2000;
const OAUTH_TOKEN_CAP: usize = 2500;

#[derive(Default)]
pub struct Cursors {
    issued: u64,
    by_id: HashMap<String, Arc<Cursor>>,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("Bearer") || scheme.eq_ignore_ascii_case("OAuth"))
        .then(|| token.trim())
}

fn not_found() -> Response<Body> {
    error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "The requested resource does not exist",
    )
}

/// What a `/services/data/{version}/...` request asks for.
enum DataRoute<'a> {
    Resources,
    DescribeGlobal,
    Describe(&'a str),
    Record(&'a str, &'a str),
    Limits,
    Query,
    QueryMore(&'a str),
}

/// Everything under `/services/data/{version}/`.
pub fn data(
    shared: &Arc<Shared>,
    base: &str,
    version_segment: &str,
    rest: &[&str],
    query: &str,
    headers: &HeaderMap,
) -> Response<Body> {
    let Some(version) = version_segment
        .strip_prefix('v')
        .filter(|v| shared.cfg.api_versions.iter().any(|x| x == v))
    else {
        return not_found();
    };
    let (tooling, rest) = match rest {
        ["tooling", rest @ ..] => (true, rest),
        rest => (false, rest),
    };
    let (kind, route) = match rest {
        [] | [""] if !tooling => ("resources", DataRoute::Resources),
        ["sobjects"] => ("describeGlobal", DataRoute::DescribeGlobal),
        ["sobjects", ty, "describe"] => ("describe", DataRoute::Describe(ty)),
        ["sobjects", ty, id] if !tooling => ("retrieve", DataRoute::Record(ty, id)),
        ["limits"] if !tooling => ("limits", DataRoute::Limits),
        ["query"] => ("query", DataRoute::Query),
        ["query", locator] => ("queryMore", DataRoute::QueryMore(locator)),
        _ => return not_found(),
    };
    shared.count(kind);
    let mut resp = if !shared.authorize(bearer(headers)) {
        error(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    } else {
        let used = shared.use_api();
        if shared.cfg.echo_credentials {
            if let Some(r) = echo(shared, query, bearer(headers).unwrap_or_default()) {
                return r;
            }
        }
        let api_base = if tooling {
            format!("/services/data/v{version}/tooling")
        } else {
            format!("/services/data/v{version}")
        };
        match route {
            DataRoute::Resources => super::identity::resources(shared, base, version),
            DataRoute::DescribeGlobal => {
                super::describe::describe_global(&shared.org, &api_base, tooling)
            }
            DataRoute::Describe(ty) => {
                super::describe::describe(&shared.org, &api_base, tooling, ty)
            }
            DataRoute::Record(ty, id) => super::identity::record(shared, &api_base, ty, id),
            DataRoute::Limits => super::identity::limits(used),
            DataRoute::Query => {
                let echo = shared
                    .cfg
                    .echo_in_records
                    .then(|| shared.echoes(bearer(headers).unwrap_or_default()));
                run_query(shared, &api_base, tooling, query, echo.as_deref())
            }
            DataRoute::QueryMore(l) => query_more(shared, &api_base, tooling, l),
        }
    };
    if let Ok(v) = HeaderValue::from_str(&shared.limit_info()) {
        resp.headers_mut().insert("Sforce-Limit-Info", v);
    }
    resp
}

/// Decodes `application/x-www-form-urlencoded` (also used for query strings).
pub fn form_decode(s: &str) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len()
                    && b[i + 1].is_ascii_hexdigit()
                    && b[i + 2].is_ascii_hexdigit() =>
                {
                    let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                    out.push(hex(b[i + 1]) * 16 + hex(b[i + 2]));
                    i += 2;
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

fn page(api_base: &str, id: &str, cursor: &Cursor, offset: usize) -> Response<Body> {
    let size = cursor.page_size.max(1);
    let end = (offset + size).min(cursor.records.len());
    let (total, done, next) = match cursor.fault {
        None => (
            cursor.total,
            end >= cursor.records.len(),
            (end < cursor.records.len()).then_some(end),
        ),
        Some(PageFault::NotDoneWithoutNext) => (cursor.total, false, None),
        // The first page leads to the second; the second to itself.
        Some(PageFault::RepeatedNext) => (cursor.total, false, Some(offset)),
        Some(PageFault::TotalAboveRows) => (
            cursor.total + 5,
            end >= cursor.records.len(),
            (end < cursor.records.len()).then_some(end),
        ),
    };
    let mut body = serde_json::Map::new();
    body.insert("totalSize".into(), json!(total));
    body.insert("done".into(), json!(done));
    if let Some(next) = next {
        body.insert(
            "nextRecordsUrl".into(),
            json!(format!("{api_base}/query/{id}-{next}")),
        );
    }
    body.insert(
        "records".into(),
        Value::Array(cursor.records[offset..end].to_vec()),
    );
    json_response(StatusCode::OK, &Value::Object(body))
}

/// `echo`: appended to every record's `Name` (`Config::echo_in_records`).
fn run_query(
    shared: &Shared,
    api_base: &str,
    tooling: bool,
    query: &str,
    echo: Option<&str>,
) -> Response<Body> {
    let params = form_decode(query);
    // `columns=true`: the columns instead of the rows (`soql::column_metadata`).
    let columns = params
        .iter()
        .any(|(k, v)| k == "columns" && v.eq_ignore_ascii_case("true"));
    let Some(q) = params.into_iter().find(|(k, _)| k == "q").map(|(_, v)| v) else {
        return error(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            "A query string has to be specified",
        );
    };
    let parsed = match soql::parse(&q) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.code, &e.message),
    };
    // SOQL and SOSL Reference, OFFSET: "The maximum offset is 2,000 rows. Requesting an
    // offset greater than 2,000 results in a NUMBER_OUTSIDE_VALID_RANGE error." The
    // OauthToken page documents batches at OFFSET 2500, 5000, ... past its own cap, so
    // that object takes them.
    let max_offset = if parsed.object.eq_ignore_ascii_case("OauthToken") {
        shared.cfg.oauth_token_max_offset.unwrap_or(usize::MAX)
    } else {
        MAX_OFFSET
    };
    if parsed.offset.is_some_and(|o| o > max_offset) {
        return error(
            StatusCode::BAD_REQUEST,
            "NUMBER_OUTSIDE_VALID_RANGE",
            &format!("Maximum SOQL offset allowed is {max_offset}"),
        );
    }
    if shared
        .cfg
        .deny_queries
        .iter()
        .chain(&shared.org.denied_objects)
        .any(|d| d.eq_ignore_ascii_case(&parsed.object))
    {
        return error(
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_ACCESS",
            &format!(
                "Insufficient privileges: you don't have access to {}. Ask your Salesforce admin for help.",
                parsed.object
            ),
        );
    }
    let Some(obj) = shared
        .org
        .sobject(&parsed.object)
        .filter(|o| tooling || !o.tooling_only)
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_TYPE",
            &format!("sObject type '{}' is not supported.", parsed.object),
        );
    };
    if parsed.is_aggregate()
        && (shared.cfg.reject_aggregate_queries || shared.org.reject_aggregates)
    {
        return error(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            &format!(
                "\n{}\n^\nERROR at Row:1:Column:1\nAggregate queries are not supported on {}",
                parsed.text, obj.name
            ),
        );
    }
    let clock = soql::Clock {
        now: shared.cfg.now,
        offset: shared.cfg.user_time_zone.offset,
    };
    let (total, mut records) = match soql::execute(&parsed, obj, api_base, clock) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.code, &e.message),
    };
    if columns {
        return json_response(StatusCode::OK, &soql::column_metadata(&parsed, obj));
    }
    if let Some(echo) = echo {
        for r in &mut records {
            if let Some(Value::String(name)) = r.get_mut("Name") {
                *name = format!("{name} {echo}");
            }
        }
    }
    let mut page_size = shared.cfg.page_size.max(1);
    // Aggregate results are one batch, never paged (`soql::AGGREGATE_BATCH`).
    if parsed.is_aggregate() {
        page_size = page_size.max(soql::AGGREGATE_BATCH);
    }
    if obj.name.eq_ignore_ascii_case("OauthToken") {
        page_size = OAUTH_TOKEN_PAGE;
        records.truncate(OAUTH_TOKEN_CAP);
    }
    let fault = shared
        .cfg
        .inconsistent_pages
        .iter()
        .find(|(o, _)| o.eq_ignore_ascii_case(&obj.name))
        .map(|(_, f)| *f);
    let cursor = Arc::new(Cursor {
        records,
        tooling,
        page_size,
        total,
        fault,
    });
    let id = {
        let mut cursors = shared.cursors.lock().unwrap();
        cursors.issued += 1;
        let id = fake_id("01g", cursors.issued);
        if cursor.records.len() > page_size || cursor.fault == Some(PageFault::RepeatedNext) {
            cursors.by_id.insert(id.clone(), cursor.clone());
        }
        id
    };
    page(api_base, &id, &cursor, 0)
}

fn query_more(shared: &Shared, api_base: &str, tooling: bool, locator: &str) -> Response<Body> {
    let invalid = || {
        error(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY_LOCATOR",
            "invalid query locator",
        )
    };
    let Some((id, offset)) = locator.rsplit_once('-') else {
        return invalid();
    };
    let Ok(offset) = offset.parse::<usize>() else {
        return invalid();
    };
    let Some(cursor) = shared.cursors.lock().unwrap().by_id.get(id).cloned() else {
        return invalid();
    };
    if cursor.tooling != tooling || offset > cursor.records.len() {
        return invalid();
    }
    page(api_base, id, &cursor, offset)
}

fn oauth_error(error: &str, description: &str) -> Response<Body> {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ "error": error, "error_description": description }),
    )
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `POST /services/oauth2/token`, refresh-token grant only. Never faulted.
/// `Config::echo_credentials`: the evidence queries fail, echoing the session id. The
/// Organization query still answers.
fn echo(shared: &Shared, query: &str, sid: &str) -> Option<Response<Body>> {
    use super::echo::{html_cut_at_200, percent};
    let soql = form_decode(query)
        .into_iter()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let from = |o: &str| soql.contains(&format!("FROM {o}"));
    Some(if from("ConnectedApplication") {
        error(
            StatusCode::BAD_REQUEST,
            "INVALID_FIELD",
            &format!("no such column for session {}", shared.echoes(sid)),
        )
    } else if from("OauthToken") {
        super::text_response(StatusCode::NOT_FOUND, "text/html", html_cut_at_200(sid))
    } else if from("LoginHistory") {
        // Cut short by the server, inside the token.
        let p = percent(sid, false);
        super::text_response(
            StatusCode::FORBIDDEN,
            "text/plain",
            format!("denied: sid={}", &p[..p.len() - 3]),
        )
    } else if from("InstalledSubscriberPackage") {
        // JSON escapes: `\/` and `\u0021`.
        let escaped = sid.replace('/', "\\/").replace('!', "\\u0021");
        super::text_response(
            StatusCode::BAD_REQUEST,
            JSON,
            format!(
                r#"[{{"message":"bad session {escaped}","errorCode":"INVALID_SESSION_ID_X"}}]"#
            ),
        )
    } else {
        return None;
    })
}

pub fn token(shared: &Arc<Shared>, _headers: &HeaderMap, body: &[u8]) -> Response<Body> {
    shared.count("token");
    let form = form_decode(&String::from_utf8_lossy(body));
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let cfg = &shared.cfg;
    if cfg.echo_credentials {
        let raw = String::from_utf8_lossy(body);
        return oauth_error(
            "invalid_grant",
            &format!(
                "refused {raw}; refresh_token {}; client_secret {}",
                shared.echoes(get("refresh_token").unwrap_or_default()),
                super::echo::spellings(get("client_secret").unwrap_or_default())
            ),
        );
    }
    if get("grant_type") != Some("refresh_token") {
        return oauth_error("unsupported_grant_type", "grant type not supported");
    }
    if get("client_id") != Some(cfg.client_id.as_str()) {
        return oauth_error("invalid_client_id", "client identifier invalid");
    }
    if !cfg.client_secret.is_empty() && get("client_secret") != Some(cfg.client_secret.as_str()) {
        return oauth_error("invalid_client", "invalid client credentials");
    }
    if get("refresh_token") != Some(cfg.refresh_token.as_str()) {
        return oauth_error("invalid_grant", "expired access/refresh token");
    }
    let access_token = shared.issue_token();
    let id = format!(
        "{}/id/{}/{}",
        shared.base_url,
        cfg.org_id,
        super::identity::user_id()
    );
    let issued_at = chrono::Utc::now().timestamp_millis().to_string();
    let mut h = Sha256::new();
    h.update(id.as_bytes());
    h.update(issued_at.as_bytes());
    h.update(cfg.client_secret.as_bytes());
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": access_token,
            "signature": base64(&h.finalize()),
            "scope": "refresh_token api",
            "instance_url": shared.base_url,
            "id": id,
            "token_type": "Bearer",
            "issued_at": issued_at,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_codecs() {
        assert_eq!(release_label("66.0"), "Spring '26");
        assert_eq!(release_label("59.0"), "Winter '24");
        assert_eq!(release_label("61.0"), "Summer '24");
        assert_eq!(release_label("67.0"), "Summer '26");
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
        assert_eq!(
            form_decode("q=SELECT+Id%2C+Name+FROM+X&x=%zz"),
            vec![
                ("q".to_string(), "SELECT Id, Name FROM X".to_string()),
                ("x".to_string(), "%zz".to_string())
            ]
        );
    }
}
