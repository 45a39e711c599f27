//! sObject describe: `GET /services/data/vXX.X[/tooling]/sobjects` (describeGlobal) and
//! `/sobjects/{Type}/describe`, for the objects this org serves, and the External Client
//! App SOQL objects built from the served ECAs.
//!
//! Shapes: REST API Developer Guide, "Describe Global" (`encoding`, `maxBatchSize`,
//! `sobjects[]` with `name`, `label`, `keyPrefix`, `queryable`, `urls`, ...) and "sObject
//! Describe" (`name`, `fields[]` with `name`, `type`, `label`, `nillable`, `filterable`,
//! `groupable`, `sortable`, `aggregatable`, `picklistValues`, ...). An unknown type is
//! `404 NOT_FOUND` "The requested resource does not exist".

use super::org::{Org, SObject};
use super::rest::{error, json_response};
use axum::body::Body;
use axum::http::{Response, StatusCode};
use serde_json::{json, Value};

/// The documented `LoginSubType` picklist (Object Reference, LoginHistory, API 67.0;
/// /work/research/facts.md §4): API name and label.
pub const LOGIN_SUB_TYPES: &[(&str, &str)] = &[
    (
        "InternalSalesforceAuthentication",
        "Internal Salesforce Authentication",
    ),
    ("OauthClientCredentials", "OAuth Client Credentials"),
    (
        "OauthHybridRefreshToken",
        "OAuth Refresh Token for Hybrid Apps",
    ),
    (
        "OauthHybridTokenExchange",
        "OAuth Token Exchange for Hybrid Apps",
    ),
    ("OauthHybridUserAgent", "OAuth User-Agent for Hybrid Apps"),
    ("OauthHybridWebServer", "OAuth Web Server for Hybrid Apps"),
    ("OauthOtpLogin", "OAuth OTP Login"),
    ("OauthRefreshToken", "OAuth Refresh Token"),
    ("OauthTokenExchange", "OAuth Token Exchange"),
    ("OauthUserAgent", "OAuth User-Agent"),
    ("OauthUserAgentIdToken", "OAuth User-Agent with ID Token"),
    ("OauthUsernamePassword", "OAuth Username-Password"),
    ("OauthWebServer", "OAuth Web Server"),
    ("SoapApiLogin", "SOAP API Login"),
    ("SoapApiLoginMobile", "SOAP API Login Mobile"),
    (
        "SoapApiLoginNetworksPortal",
        "SOAP API Login Networks Portal",
    ),
    ("SoapApiLoginPortal", "SOAP API Login Portal"),
    ("SoapApiLoginSelfService", "SOAP API Login Self Service"),
    ("UiPasswordReset", "UI Password Reset"),
    ("UsernamePasswordUiLogin", "UI Username-Password"),
];

/// `LoginType` values (the same page): queries return the label (`Remote Access 2.0`), so
/// the label is served as the value too. Only the values named in the reference notes.
pub const LOGIN_TYPES: &[&str] = &[
    "Application",
    "Other Apex API",
    "Partner Product",
    "Remote Access Client",
    "Remote Access 2.0",
    "SAML Sfdc Initiated SSO",
    "Third Party SSO",
];

/// Key prefixes of the objects served (describeGlobal `keyPrefix`); `None` for objects
/// without ids of their own (OauthToken: "Id ... always null").
pub(super) fn key_prefix(name: &str) -> Option<&'static str> {
    Some(match name {
        "Organization" => "00D",
        "User" => "005",
        "ConnectedApplication" => "0H4",
        "LoginHistory" => "0Ya",
        "InstalledSubscriberPackage" => "0A3",
        "SubscriberPackage" => "033",
        "SubscriberPackageVersion" => "04t",
        "SandboxProcess" => "0GR",
        "ExternalClientApplication" => "0xI",
        "ExtlClntAppOauthSettings" => "0xO",
        "ExtlClntAppOauthPlcyCnfg" => "0xP",
        _ => return None,
    })
}

fn label_of(name: &str) -> String {
    match name {
        "OauthToken" => "OAuth Token".into(),
        "LoginHistory" => "Login History".into(),
        "ConnectedApplication" => "Connected App".into(),
        "InstalledSubscriberPackage" => "Installed Subscriber Package".into(),
        "SandboxProcess" => "Sandbox Process".into(),
        "ExternalClientApplication" => "External Client App".into(),
        "ExtlClntAppOauthSettings" => "External Client App OAuth Settings".into(),
        "ExtlClntAppOauthPlcyCnfg" => "External Client App OAuth Policy".into(),
        other => other.to_string(),
    }
}

fn urls(base: &str, name: &str) -> Value {
    json!({
        "sobject": format!("{base}/sobjects/{name}"),
        "describe": format!("{base}/sobjects/{name}/describe"),
        "rowTemplate": format!("{base}/sobjects/{name}/{{ID}}"),
    })
}

/// The objects visible on one API (REST or Tooling), by canonical name.
fn visible(org: &Org, tooling: bool) -> Vec<&SObject> {
    let mut out: Vec<&SObject> = org
        .sobjects
        .values()
        .filter(|o| tooling || !o.tooling_only)
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn global_entry(base: &str, o: &SObject) -> Value {
    let name = o.name.as_str();
    json!({
        "activateable": false,
        "createable": false,
        "custom": false,
        "customSetting": false,
        "deepCloneable": false,
        "deletable": false,
        "deprecatedAndHidden": false,
        "feedEnabled": false,
        "hasSubtypes": false,
        "isInterface": false,
        "isSubtype": false,
        "keyPrefix": key_prefix(name),
        "label": label_of(name),
        "labelPlural": format!("{}s", label_of(name)),
        "layoutable": false,
        "mergeable": false,
        "mruEnabled": false,
        "name": name,
        "queryable": true,
        "replicateable": false,
        "retrieveable": true,
        "searchable": false,
        "triggerable": false,
        "undeletable": false,
        "updateable": false,
        "urls": urls(base, name),
    })
}

/// `GET .../sobjects`.
pub fn describe_global(org: &Org, api_base: &str, tooling: bool) -> Response<Body> {
    let sobjects: Vec<Value> = visible(org, tooling)
        .into_iter()
        .map(|o| global_entry(api_base, o))
        .collect();
    json_response(
        StatusCode::OK,
        &json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects}),
    )
}

/// A field's describe type, from the documented objects' field names (checked against real
/// describes of ConnectedApplication and OauthToken in ../shared/corpus/rest by
/// tests/live_corpus.rs).
pub(super) fn field_type(object: &str, field: &str) -> (&'static str, Option<&'static str>) {
    // (type, referenceTo)
    match (object, field) {
        (_, "Id") => ("id", None),
        ("LoginHistory", "LoginType" | "LoginSubType") => ("picklist", None),
        (
            "ConnectedApplication",
            "MobileSessionTimeout" | "PinLength" | "UvidTimeout" | "NamedUserUvidTimeout",
        ) => ("picklist", None),
        (_, "StartUrl" | "MobileStartUrl") => ("url", None),
        ("OauthToken", "User") | ("OauthToken", "AppMenuItem") => ("reference", None),
        (_, "UserId" | "CreatedById" | "LastModifiedById") => ("reference", Some("User")),
        ("OauthToken", "AppMenuItemId") => ("reference", Some("AppMenuItem")),
        (_, f) if f.ends_with("Id") && f.len() > 2 => ("reference", None),
        (_, f) if f.ends_with("Date") || f.ends_with("Time") || f == "SystemModstamp" => {
            ("datetime", None)
        }
        (_, "UseCount" | "RefreshTokenValidityPeriod") => ("int", None),
        (_, f)
            if f.starts_with("Is") || f.starts_with("Options") || f.starts_with("OauthScopes") =>
        {
            ("boolean", None)
        }
        _ => ("string", None),
    }
}

fn picklist(object: &str, field: &str) -> Vec<Value> {
    let entries: Vec<(&str, &str)> = match (object, field) {
        ("LoginHistory", "LoginSubType") => LOGIN_SUB_TYPES.to_vec(),
        ("LoginHistory", "LoginType") => LOGIN_TYPES.iter().map(|t| (*t, *t)).collect(),
        _ => Vec::new(),
    };
    entries
        .into_iter()
        .map(|(value, label)| {
            json!({"active": true, "defaultValue": false, "label": label, "validFor": null, "value": value})
        })
        .collect()
}

/// Fields that are relationships (`User`, `AppMenuItem`, `SubscriberPackage`, ...): not
/// columns of their own in a describe; their `...Id` field is.
fn is_relationship(o: &SObject, field: &str) -> bool {
    o.fields.iter().any(|f| *f == format!("{field}Id"))
        || matches!(field, "SubscriberPackage" | "SubscriberPackageVersion")
}

/// `GET .../sobjects/{Type}/describe`.
pub fn describe(org: &Org, api_base: &str, tooling: bool, ty: &str) -> Response<Body> {
    let Some(o) = org.sobject(ty).filter(|o| tooling || !o.tooling_only) else {
        return error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        );
    };
    let name = o.name.as_str();
    // OauthToken: "fields cannot be aggregated" (describe `aggregatable: false`).
    let aggregatable = o.aggregatable;
    let fields: Vec<Value> = o
        .fields
        .iter()
        .filter(|f| !is_relationship(o, f))
        .map(|f| {
            let (ty, reference) = field_type(name, f);
            let relationship = (ty == "reference").then(|| f.trim_end_matches("Id").to_string());
            json!({
                "aggregatable": aggregatable && ty != "boolean",
                "autoNumber": false,
                "byteLength": if ty == "string" || ty == "picklist" { 765 } else { 0 },
                "calculated": false,
                "createable": false,
                "custom": false,
                "defaultValue": null,
                "filterable": !o.unfilterable.iter().any(|u| u.eq_ignore_ascii_case(f)),
                "groupable": !matches!(ty, "datetime" | "boolean" | "url"),
                "label": f,
                "length": if ty == "string" || ty == "picklist" { 255 } else { 0 },
                "name": f,
                "nillable": f != "Id",
                "picklistValues": picklist(name, f),
                "referenceTo": reference.map(|r| vec![r]).unwrap_or_default(),
                "relationshipName": relationship,
                "restrictedPicklist": ty == "picklist",
                "soapType": match ty {
                    "id" | "reference" => "tns:ID",
                    "datetime" => "xsd:dateTime",
                    "int" => "xsd:int",
                    "boolean" => "xsd:boolean",
                    _ => "xsd:string",
                },
                "sortable": true,
                "type": ty,
                "unique": false,
                "updateable": false,
            })
        })
        .collect();
    let mut d = global_entry(api_base, o);
    if let Value::Object(m) = &mut d {
        m.insert("fields".into(), Value::Array(fields));
        m.insert("childRelationships".into(), json!([]));
        m.insert("recordTypeInfos".into(), json!([]));
        m.insert("supportedScopes".into(), json!([]));
    }
    json_response(StatusCode::OK, &d)
}
