//! Metadata API SOAP endpoint: `POST /services/Soap/m/{version}`.
//!
//! Shapes follow metadata-v66.wsdl: `listMetadata { queries*: ListMetadataQuery }` →
//! `listMetadataResponse { result*: FileProperties }`; `readMetadata { type, fullNames* }`
//! → `readMetadataResponse { result: ReadResult { records*: Metadata } }`. Faults are HTTP
//! 500 with a `sf:`-prefixed faultcode (or `soapenv:Client` for bad requests).

use super::{text_response, Quirk, Shared};
use axum::body::Body;
use axum::http::{header, HeaderMap, Response, StatusCode};
use pkce_audit_io::metadata::{MetadataType, ALL_TYPES};
use pkce_audit_io::xml::{escape, Element};
use std::fmt::Write;
use std::sync::Arc;

pub const MD_NS: &str = "http://soap.sforce.com/2006/04/metadata";
const SOAPENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const CONTENT_TYPE: &str = "text/xml;charset=UTF-8";

/// Real limits (salesforce-api.md §4.2, §4.3).
pub const MAX_LIST_QUERIES: usize = 3;
pub const MAX_READ_NAMES: usize = 10;

/// Metadata types a real org knows but this org has none of: listed empty, read as nil.
pub(crate) const KNOWN_EMPTY_TYPES: &[&str] = &[
    "ApexClass",
    "ApexPage",
    "ApexTrigger",
    "AuthProvider",
    "Certificate",
    "CustomApplication",
    "CustomField",
    "CustomObject",
    "Flow",
    "InstalledPackage",
    "Layout",
    "NamedCredential",
    "PermissionSet",
    "Profile",
    "RemoteSiteSetting",
    "SamlSsoConfig",
    "StaticResource",
];

pub(crate) const ADMIN_NAME: &str = "Fake Admin";

/// The envelope of every successful response, like the heroku/force and jetstream samples.
pub fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAPENV_NS}" xmlns="{MD_NS}" xmlns:xsi="{XSI_NS}"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
    )
}

/// HTTP 500 with a SOAP fault. `code` is e.g. `sf:INVALID_SESSION_ID` or `soapenv:Client`.
pub fn fault(code: &str, string: &str) -> Response<Body> {
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAPENV_NS}" xmlns:sf="{MD_NS}" xmlns:xsi="{XSI_NS}"><soapenv:Body><soapenv:Fault><faultcode>{}</faultcode><faultstring>{}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#,
        escape(code),
        escape(string)
    );
    text_response(StatusCode::INTERNAL_SERVER_ERROR, CONTENT_TYPE, body)
}

pub(crate) fn client_fault(message: &str) -> Response<Body> {
    fault("soapenv:Client", message)
}

pub(crate) fn ok(body: String) -> Response<Body> {
    text_response(StatusCode::OK, CONTENT_TYPE, envelope(&body))
}

pub fn handle(
    shared: &Arc<Shared>,
    version: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response<Body> {
    if !shared.cfg.api_versions.iter().any(|v| v == version) {
        return fault(
            "sf:UNSUPPORTED_API_VERSION",
            "UNSUPPORTED_API_VERSION: Invalid Api version specified on URL",
        );
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.to_ascii_lowercase().starts_with("text/xml") {
        return client_fault("Content-Type of the request should be text/xml");
    }
    if !headers.contains_key("soapaction") {
        return client_fault("No SOAPAction header!");
    }
    let envelope = match pkce_audit_io::xml::parse(body) {
        Ok(e) if e.name == "Envelope" => e,
        Ok(_) => {
            return client_fault("Invalid request data: the root element is not a SOAP Envelope")
        }
        Err(e) => return client_fault(&format!("Invalid request data: {e}")),
    };
    let Some(op) = envelope.child("Body").and_then(|b| b.children.first()) else {
        return client_fault("Invalid request data: no operation in the SOAP Body");
    };
    shared.count(&op.name);
    if !matches!(
        op.name.as_str(),
        "listMetadata"
            | "readMetadata"
            | "describeMetadata"
            | "retrieve"
            | "checkRetrieveStatus"
            | "deploy"
            | "checkDeployStatus"
            | "cancelDeploy"
            | "deployRecentValidation"
    ) {
        return client_fault(&format!(
            "No operation available for request {{{MD_NS}}}{}",
            op.name
        ));
    }
    let session = envelope
        .child("Header")
        .and_then(|h| h.child("SessionHeader"))
        .and_then(|s| s.child_text("sessionId"));
    if !shared.authorize(session) {
        return fault(
            "sf:INVALID_SESSION_ID",
            "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session",
        );
    }
    shared.use_api();
    if shared.cfg.echo_credentials && op.name == "readMetadata" {
        let sid = session.unwrap_or_default();
        return fault(
            "sf:UNKNOWN_EXCEPTION",
            &format!(
                "UNKNOWN_EXCEPTION: cannot read for session {} (xml={})",
                shared.echoes(sid),
                sid.replace('!', "&#33;")
            ),
        );
    }
    match op.name.as_str() {
        "listMetadata" => list_metadata(shared, op),
        "describeMetadata" => describe_metadata(shared),
        "retrieve" => super::retrieve::retrieve(shared, op),
        "checkRetrieveStatus" => super::retrieve::check_status(shared, op),
        "deploy" => super::deploy::deploy(shared, op),
        "checkDeployStatus" => super::deploy::check_status(shared, op),
        "cancelDeploy" => super::deploy::cancel(shared, op),
        "deployRecentValidation" => super::deploy::deploy_recent_validation(shared, op),
        _ => {
            let echo = shared
                .cfg
                .echo_in_records
                .then(|| shared.echoes(session.unwrap_or_default()));
            read_metadata(shared, op, echo.as_deref())
        }
    }
}

/// The common types of [`KNOWN_EMPTY_TYPES`] with their describe entries: directory,
/// `metaFile`, suffix, child types (Metadata API Developer Guide, each type's page).
const DESCRIBED_EMPTY_TYPES: &[(&str, &str, bool, &str, &[&str])] = &[
    ("ApexClass", "classes", true, "cls", &[]),
    ("ApexPage", "pages", true, "page", &[]),
    ("ApexTrigger", "triggers", true, "trigger", &[]),
    ("AuthProvider", "authproviders", false, "authprovider", &[]),
    ("Certificate", "certs", true, "crt", &[]),
    ("CustomApplication", "applications", false, "app", &[]),
    (
        "CustomObject",
        "objects",
        false,
        "object",
        &["CustomField", "ListView", "RecordType", "ValidationRule"],
    ),
    ("Flow", "flows", false, "flow", &[]),
    (
        "InstalledPackage",
        "installedPackages",
        false,
        "installedPackage",
        &[],
    ),
    ("Layout", "layouts", false, "layout", &[]),
    (
        "NamedCredential",
        "namedCredentials",
        false,
        "namedCredential",
        &[],
    ),
    (
        "PermissionSet",
        "permissionsets",
        false,
        "permissionset",
        &[],
    ),
    ("Profile", "profiles", false, "profile", &[]),
    (
        "RemoteSiteSetting",
        "remoteSiteSettings",
        false,
        "remoteSite",
        &[],
    ),
    (
        "SamlSsoConfig",
        "samlssoconfigs",
        false,
        "samlssoconfig",
        &[],
    ),
    ("Settings", "settings", false, "settings", &[]),
    ("StaticResource", "staticresources", true, "resource", &[]),
];

/// `describeMetadata`: `DescribeMetadataResult` (metadata-v66.wsdl): every type this org
/// knows (ours, the org OAuth settings as a `Settings` member, the common empty ones), the
/// org's namespace, `partialSaveAllowed` and `testRequired` (a production org: false).
fn describe_metadata(shared: &Shared) -> Response<Body> {
    let mut objects: Vec<(String, String)> = Vec::new();
    let entry = |xml: &str, dir: &str, meta: bool, suffix: &str, children: &[&str]| {
        let children: String = children
            .iter()
            .map(|c| format!("<childXmlNames>{c}</childXmlNames>"))
            .collect();
        format!(
            "<metadataObjects>{children}<directoryName>{dir}</directoryName><inFolder>false</inFolder><metaFile>{meta}</metaFile><suffix>{suffix}</suffix><xmlName>{xml}</xmlName></metadataObjects>"
        )
    };
    for t in ALL_TYPES
        .iter()
        .filter(|t| t.ty != MetadataType::OauthOidcSettings)
    {
        objects.push((
            t.name.to_string(),
            entry(t.name, t.folder, false, t.suffix, &[]),
        ));
    }
    for (xml, dir, meta, suffix, children) in DESCRIBED_EMPTY_TYPES {
        objects.push((xml.to_string(), entry(xml, dir, *meta, suffix, children)));
    }
    objects.sort();
    objects.dedup_by(|a, b| a.0 == b.0);
    let body: String = objects.into_iter().map(|(_, x)| x).collect();
    let ns = shared.org.namespace.as_deref().unwrap_or("");
    ok(format!(
        "<describeMetadataResponse><result>{body}<organizationNamespace>{}</organizationNamespace><partialSaveAllowed>true</partialSaveAllowed><testRequired>false</testRequired></result></describeMetadataResponse>",
        escape(ns)
    ))
}

fn denied(shared: &Shared, ty: &str) -> Option<Response<Body>> {
    shared.cfg.deny_read_types.iter().any(|d| d == ty).then(|| {
        fault(
            "sf:INSUFFICIENT_ACCESS",
            &format!("INSUFFICIENT_ACCESS: insufficient access rights to read {ty} metadata"),
        )
    })
}

fn invalid_type(ty: &str) -> Response<Body> {
    fault(
        "sf:INVALID_TYPE",
        &format!("INVALID_TYPE: Cannot use: {ty} in this organization"),
    )
}

/// Types `listMetadata` accepts: ours (the org OAuth settings as `Settings`) and a few
/// common ones this org has none of.
fn listable(ty: &str) -> bool {
    ty == "Settings"
        || KNOWN_EMPTY_TYPES.contains(&ty)
        || ALL_TYPES
            .iter()
            .any(|t| t.name == ty && t.ty != MetadataType::OauthOidcSettings)
}

fn list_metadata(shared: &Shared, op: &Element) -> Response<Body> {
    let queries: Vec<&Element> = op.children_named("queries").collect();
    if queries.len() > MAX_LIST_QUERIES {
        return fault(
            "sf:EXCEEDED_ID_LIMIT",
            &format!(
                "EXCEEDED_ID_LIMIT: record limit reached. cannot submit more than {MAX_LIST_QUERIES} queries in one listMetadata call"
            ),
        );
    }
    let mut types = Vec::new();
    for q in &queries {
        let Some(ty) = q.child_text("type") else {
            return client_fault("Invalid request data: ListMetadataQuery without a type");
        };
        if let Some(f) = denied(shared, ty) {
            return f;
        }
        if !listable(ty) {
            return invalid_type(ty);
        }
        types.push(ty.to_string());
    }
    let org_ns = shared.org.namespace.as_deref();
    let admin_id = super::org::fake_id("005", 1);
    let mut out = String::new();
    let components = shared.components();
    for ty in &types {
        for c in components.iter().filter(|c| c.list_type() == ty) {
            let (state, prefix) = match &c.installed_namespace {
                Some(ns) => (
                    "installed",
                    format!("<namespacePrefix>{}</namespacePrefix>", escape(ns)),
                ),
                // Like the metaforce sample for an org without namespace; the jetstream
                // sample omits the element for unmanaged rows.
                None if org_ns.is_none() => ("unmanaged", "<namespacePrefix/>".to_string()),
                None => ("unmanaged", String::new()),
            };
            let id = if c.id.is_empty() {
                "<id/>".to_string()
            } else {
                format!("<id>{}</id>", c.id)
            };
            let quirks = shared.quirks(c.ty.name(), &c.full_name);
            if quirks.contains(&&Quirk::ListedEmpty) {
                out.push_str("<result/>");
                continue;
            }
            let list_type = quirks
                .iter()
                .find_map(|q| match q {
                    Quirk::ListedAs(t) => Some(t.as_str()),
                    _ => None,
                })
                .unwrap_or(c.list_type());
            let full_name = if quirks.contains(&&Quirk::ListedWithoutName) {
                String::new()
            } else {
                format!("<fullName>{}</fullName>", escape(&c.full_name))
            };
            let entry = format!(
                "<result><createdById>{admin_id}</createdById><createdByName>{ADMIN_NAME}</createdByName><createdDate>{}</createdDate><fileName>{}</fileName>{full_name}{id}<lastModifiedById>{admin_id}</lastModifiedById><lastModifiedByName>{ADMIN_NAME}</lastModifiedByName><lastModifiedDate>{}</lastModifiedDate><manageableState>{state}</manageableState>{prefix}<type>{}</type></result>",
                c.created_date,
                escape(&c.file_name()),
                c.last_modified_date,
                escape(list_type),
            );
            out.push_str(&entry);
            if quirks.contains(&&Quirk::ListedTwice) {
                out.push_str(&entry);
            }
        }
    }
    if out.is_empty() {
        ok("<listMetadataResponse/>".into())
    } else {
        ok(format!(
            "<listMetadataResponse>{out}</listMetadataResponse>"
        ))
    }
}

/// `echo`: appended to every record's `<label>` (`Config::echo_in_records`).
fn read_metadata(shared: &Shared, op: &Element, echo: Option<&str>) -> Response<Body> {
    let Some(ty) = op.child_text("type") else {
        return client_fault("Invalid request data: readMetadata without a type");
    };
    let names: Vec<&str> = op
        .children_named("fullNames")
        .map(|n| n.text.as_str())
        .collect();
    shared.record_read(names.len());
    if let Some(f) = denied(shared, ty) {
        return f;
    }
    let known = MetadataType::from_name(ty);
    if known.is_none() && !KNOWN_EMPTY_TYPES.contains(&ty) {
        return invalid_type(ty);
    }
    if names.len() > MAX_READ_NAMES {
        return fault(
            "sf:EXCEEDED_ID_LIMIT",
            &format!(
                "EXCEEDED_ID_LIMIT: record limit reached. cannot submit more than {MAX_READ_NAMES} records in this operation"
            ),
        );
    }
    let mut records = String::new();
    let components = shared.components();
    for name in names {
        let component =
            known.and_then(|t| components.iter().find(|c| c.ty == t && c.full_name == name));
        match component {
            Some(c) => {
                let quirks = shared.quirks(c.ty.name(), &c.full_name);
                let own = format!("<fullName>{}</fullName>", escape(&c.full_name));
                let mut content = c.record_xml.clone();
                if let Some(echo) = echo {
                    content =
                        content.replacen("</label>", &format!(" {}</label>", escape(echo)), 1);
                }
                for q in &quirks {
                    match q {
                        Quirk::OnlyFullName => content = own.clone(),
                        Quirk::NoFullName => content = content.replacen(&own, "", 1),
                        Quirk::Renamed(to) => {
                            content = content.replacen(
                                &own,
                                &format!("<fullName>{}</fullName>", escape(to)),
                                1,
                            )
                        }
                        _ => {}
                    }
                }
                let record = format!(
                    "<records xsi:type=\"{}\">{}\n</records>",
                    c.ty.name(),
                    content
                );
                records.push_str(&record);
                for q in &quirks {
                    match q {
                        Quirk::Duplicate => records.push_str(&record),
                        Quirk::ExtraRecord(other) => {
                            let _ = write!(
                                records,
                                "<records xsi:type=\"{}\">{}\n</records>",
                                c.ty.name(),
                                c.record_xml.replacen(
                                    &own,
                                    &format!("<fullName>{}</fullName>", escape(other)),
                                    1
                                )
                            );
                        }
                        _ => {}
                    }
                }
            }
            None => records.push_str("<records xsi:nil=\"true\"/>"),
        }
    }
    let result = if records.is_empty() {
        "<result/>".to_string()
    } else {
        format!("<result>{records}</result>")
    };
    ok(format!(
        "<readMetadataResponse>{result}</readMetadataResponse>"
    ))
}
