//! Who the token belongs to, and what the org offers: the OpenID Connect UserInfo endpoint,
//! the identity URL it names, the version's resource directory, the running user's `User`
//! record and `/limits`. Real clients call these before anything else (the Salesforce CLI's
//! `org login access-token` reads `userinfo` then `v51.0/sobjects/User/{id}`; jsforce's
//! `identity()` reads the resource directory's `identity` URL with `?format=json`).
//!
//! Shapes and status codes, from Salesforce Help:
//! - UserInfo: "Query for User Information"
//!   (https://help.salesforce.com/apex/HTViewHelpDoc?id=xcloud.remoteaccess_using_userinfo_endpoint.htm):
//!   the token in an `Authorization` header or an `oauth_token` parameter; JSON by default;
//!   claims of the OpenID Connect Basic Client Profile plus `user_id`, `organization_id` and
//!   the API `urls`, whose `{version}` stays literal unless a `version` parameter is given.
//! - Identity URL: "Identity URLs"
//!   (https://help.salesforce.com/apex/HTViewHelpDoc?id=xcloud.remoteaccess_using_openid.htm):
//!   `/id/{orgId}/{userId}`, same token rules; a bad token is `403 Bad_OAuth_Token`, a
//!   missing one `403 Missing_OAuth_Token`, another org `403 Wrong_Org`, an unknown user
//!   `404 Bad_Id` (plain text bodies).
//! - Resource directory: REST API Developer Guide, "Resources by Version"
//!   (`GET /services/data/vXX.X/`): a map of resource names to URLs, `identity` absolute.
//! - Limits: REST API Developer Guide, "Limits" (`GET /services/data/vXX.X/limits/`):
//!   `{"DailyApiRequests": {"Max": n, "Remaining": n}, ...}`.

use super::rest::{error, form_decode, json_response};
use super::{text_response, Shared};
use axum::body::Body;
use axum::http::{header, HeaderMap, Response, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

/// The running user (the one the access token belongs to).
pub fn user_id() -> String {
    super::org::fake_id("005", 1)
}

pub const USER_FIRST_NAME: &str = "Fake";
pub const USER_LAST_NAME: &str = "Admin";

/// The running user's username, from the org's name: `admin@<name>.example.com`.
pub fn username(shared: &Shared) -> String {
    username_of(&shared.org)
}

pub fn username_of(org: &super::Org) -> String {
    let slug: String = org
        .name
        .chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                Some(c.to_ascii_lowercase())
            } else if c == ' ' || c == '-' || c == '_' {
                Some('-')
            } else {
                None
            }
        })
        .collect();
    let slug = slug.trim_matches('-');
    format!(
        "admin@{}.example.com",
        if slug.is_empty() { "fake-org" } else { slug }
    )
}

/// The token of a request: `Authorization: Bearer|OAuth <t>`, else `oauth_token=<t>` in
/// the query string (both documented for UserInfo and the identity URL).
pub fn presented_token(headers: &HeaderMap, query: &str) -> Option<String> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some((scheme, token)) = v.split_once(' ') {
            if scheme.eq_ignore_ascii_case("Bearer") || scheme.eq_ignore_ascii_case("OAuth") {
                return Some(token.trim().to_string());
            }
        }
    }
    form_decode(query)
        .into_iter()
        .find(|(k, _)| k == "oauth_token")
        .map(|(_, v)| v)
}

fn param(query: &str, name: &str) -> Option<String> {
    form_decode(query)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The API URLs both answers carry. `{version}` stays literal unless the client asked for
/// a version (`latest` is the newest the org offers).
fn urls(shared: &Shared, base: &str, version: Option<&str>) -> Value {
    let v = match version {
        Some("latest") => shared
            .cfg
            .api_versions
            .last()
            .cloned()
            .unwrap_or_else(|| "66.0".into()),
        Some(v) => v.to_string(),
        None => "{version}".to_string(),
    };
    let org = &shared.cfg.org_id;
    let user = user_id();
    json!({
        "enterprise": format!("{base}/services/Soap/c/{v}/{org}"),
        "metadata": format!("{base}/services/Soap/m/{v}/{org}"),
        "partner": format!("{base}/services/Soap/u/{v}/{org}"),
        "rest": format!("{base}/services/data/v{v}/"),
        "sobjects": format!("{base}/services/data/v{v}/sobjects/"),
        "search": format!("{base}/services/data/v{v}/search/"),
        "query": format!("{base}/services/data/v{v}/query/"),
        "recent": format!("{base}/services/data/v{v}/recent/"),
        "tooling_soap": format!("{base}/services/Soap/T/{v}/{org}"),
        "tooling_rest": format!("{base}/services/data/v{v}/tooling/"),
        "profile": format!("{base}/{user}"),
        "feeds": format!("{base}/services/data/v{v}/chatter/feeds"),
        "groups": format!("{base}/services/data/v{v}/chatter/groups"),
        "users": format!("{base}/services/data/v{v}/chatter/users"),
        "feed_items": format!("{base}/services/data/v{v}/chatter/feed-items"),
        "feed_elements": format!("{base}/services/data/v{v}/chatter/feed-elements"),
        "custom_domain": base,
    })
}

fn forbidden(what: &str) -> Response<Body> {
    text_response(
        StatusCode::FORBIDDEN,
        "text/plain;charset=UTF-8",
        what.into(),
    )
}

/// Checks the token; `Err` is the identity service's own plain-text refusal.
fn check(shared: &Shared, headers: &HeaderMap, query: &str) -> Result<(), Box<Response<Body>>> {
    let Some(token) = presented_token(headers, query) else {
        return Err(Box::new(forbidden("Missing_OAuth_Token")));
    };
    if !shared.authorize(Some(&token)) {
        return Err(Box::new(forbidden("Bad_OAuth_Token")));
    }
    Ok(())
}

/// `GET|POST /services/oauth2/userinfo`.
pub fn userinfo(
    shared: &Arc<Shared>,
    base: &str,
    headers: &HeaderMap,
    query: &str,
) -> Response<Body> {
    shared.count("userinfo");
    if let Err(r) = check(shared, headers, query) {
        return *r;
    }
    let user = user_id();
    let name = format!("{USER_FIRST_NAME} {USER_LAST_NAME}");
    let username = username(shared);
    json_response(
        StatusCode::OK,
        &json!({
            "sub": format!("{base}/id/{}/{user}", shared.cfg.org_id),
            "user_id": user,
            "organization_id": shared.cfg.org_id,
            "preferred_username": username,
            "nickname": "admin",
            "name": name,
            "email": username,
            "email_verified": true,
            "given_name": USER_FIRST_NAME,
            "family_name": USER_LAST_NAME,
            "zoneinfo": "America/Los_Angeles",
            "photos": {
                "picture": format!("{base}/profilephoto/005/F"),
                "thumbnail": format!("{base}/profilephoto/005/T"),
            },
            "profile": format!("{base}/{user}"),
            "picture": format!("{base}/profilephoto/005/F"),
            "address": {"country": "US"},
            "is_salesforce_integration_user": false,
            "urls": urls(shared, base, param(query, "version").as_deref()),
            "active": true,
            "user_type": "STANDARD",
            "language": "en_US",
            "locale": "en_US",
            "utcOffset": -28_800_000,
            "updated_at": "2026-01-15T10:00:00Z",
            "is_app_installed": true,
        }),
    )
}

/// `GET|POST /id/{orgId}/{userId}` (JSON whatever `format` asks: the clients here ask JSON).
pub fn identity(
    shared: &Arc<Shared>,
    base: &str,
    org: &str,
    user: &str,
    headers: &HeaderMap,
    query: &str,
) -> Response<Body> {
    shared.count("identity");
    if let Err(r) = check(shared, headers, query) {
        return *r;
    }
    if org != shared.cfg.org_id {
        return forbidden("Wrong_Org");
    }
    if user != user_id() && user != &user_id()[..15] {
        return text_response(
            StatusCode::NOT_FOUND,
            "text/plain;charset=UTF-8",
            "Bad_Id".into(),
        );
    }
    let user = user_id();
    let username = username(shared);
    json_response(
        StatusCode::OK,
        &json!({
            "id": format!("{base}/id/{}/{user}", shared.cfg.org_id),
            "asserted_user": true,
            "user_id": user,
            "organization_id": shared.cfg.org_id,
            "username": username,
            "nick_name": "admin",
            "display_name": format!("{USER_FIRST_NAME} {USER_LAST_NAME}"),
            "email": username,
            "email_verified": true,
            "first_name": USER_FIRST_NAME,
            "last_name": USER_LAST_NAME,
            "timezone": shared.cfg.user_time_zone.sid_key,
            "photos": {
                "picture": format!("{base}/profilephoto/005/F"),
                "thumbnail": format!("{base}/profilephoto/005/T"),
            },
            "addr_street": null,
            "addr_city": null,
            "addr_state": null,
            "addr_country": "US",
            "addr_zip": null,
            "mobile_phone": null,
            "mobile_phone_verified": false,
            "is_lightning_login_user": false,
            "status": {"created_date": null, "body": null},
            "urls": urls(shared, base, param(query, "version").as_deref()),
            "active": true,
            "user_type": "STANDARD",
            "language": "en_US",
            "locale": "en_US",
            "utcOffset": -28_800_000,
            "last_modified_date": "2026-01-15T10:00:00.000+0000",
            "is_app_installed": true,
        }),
    )
}

/// `GET /services/data/vXX.X`: the resources of the version. Relative URLs, except
/// `identity`, as the REST API answers.
pub fn resources(shared: &Shared, base: &str, version: &str) -> Response<Body> {
    let v = format!("/services/data/v{version}");
    let mut map = serde_json::Map::new();
    for name in [
        "tooling",
        "metadata",
        "eclair",
        "folders",
        "chatter",
        "tabs",
        "appMenu",
        "quickActions",
        "queryAll",
        "wave",
        "analytics",
        "search",
        "composite",
        "parameterizedSearch",
        "theme",
        "recent",
        "connect",
        "licensing",
        "limits",
        "process",
        "query",
        "jobs",
        "localizedvalue",
        "mobile",
        "sobjects",
        "actions",
        "support",
    ] {
        map.insert(name.into(), json!(format!("{v}/{name}")));
    }
    map.insert(
        "identity".into(),
        json!(format!("{base}/id/{}/{}", shared.cfg.org_id, user_id())),
    );
    json_response(StatusCode::OK, &Value::Object(map))
}

/// The running user as a `User` record (the org has no other users to show).
pub fn user_sobject(cfg: &super::Config, org: &super::Org) -> Value {
    let me = user_id();
    let username = username_of(org);
    json!({
        "Id": me,
        "Username": username,
        "LastName": USER_LAST_NAME,
        "FirstName": USER_FIRST_NAME,
        "Name": format!("{USER_FIRST_NAME} {USER_LAST_NAME}"),
        "CompanyName": org.name,
        "Email": username,
        "IsActive": true,
        "TimeZoneSidKey": cfg.user_time_zone.sid_key,
        "LocaleSidKey": "en_US",
        "LanguageLocaleKey": "en_US",
        "UserType": "Standard",
        "ProfileId": super::org::fake_id("00e", 1),
        "OrganizationId": cfg.org_id,
        "CreatedDate": "2019-04-02T08:00:00.000+0000",
        "LastModifiedDate": "2026-01-15T10:00:00.000+0000",
    })
}

/// `GET /services/data/vXX.X/sobjects/{Type}/{id}`: one record by id (15 or 18 characters),
/// all its fields, with `attributes`.
pub fn record(shared: &Shared, api_base: &str, ty: &str, id: &str) -> Response<Body> {
    let not_found = || {
        error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    };
    let Some(o) = shared.org.sobject(ty) else {
        return not_found();
    };
    let found = o.records.iter().find(|r| {
        r.get("Id")
            .and_then(Value::as_str)
            .is_some_and(|rid| rid == id || (id.len() == 15 && rid.get(..15) == Some(id)))
    });
    let Some(Value::Object(r)) = found else {
        return not_found();
    };
    let rid = r.get("Id").and_then(Value::as_str).unwrap_or(id);
    let mut out = serde_json::Map::new();
    out.insert(
        "attributes".into(),
        json!({"type": o.name, "url": format!("{api_base}/sobjects/{}/{rid}", o.name)}),
    );
    for (k, v) in r {
        out.insert(k.clone(), v.clone());
    }
    json_response(StatusCode::OK, &Value::Object(out))
}

/// `GET /services/data/vXX.X/limits`: the daily API requests as the `Sforce-Limit-Info`
/// header counts them (the one limit a client here reads; a real org lists dozens).
pub fn limits(used: u64) -> Response<Body> {
    let max = super::config::DAILY_LIMIT;
    json_response(
        StatusCode::OK,
        &json!({"DailyApiRequests": {"Max": max, "Remaining": max.saturating_sub(used)}}),
    )
}
