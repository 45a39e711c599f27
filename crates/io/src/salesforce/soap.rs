//! Metadata API (SOAP) messages: the two calls pkce-audit makes and their answers.
//!
//! Requests follow the v66 WSDL (`metadata-v66.wsdl`): `SessionHeader { sessionId }`,
//! `CallOptions { client }`, `listMetadata { queries*: ListMetadataQuery { type },
//! asOfVersion }` and `readMetadata { type, fullNames* }`, posted to
//! `{instance}/services/Soap/m/{version}` with `SOAPAction: ""`. Answers go through the
//! same [`xml::parse`] as metadata files, and each `<records xsi:type=...>` through
//! `metadata::parse_component`, so a live audit reads exactly what a folder audit reads.

use crate::secrets::Secret;
use crate::xml::{self, escape, Element};
use pkce_audit_model::inventory::PackageInfo;

pub use crate::xml::METADATA_NS;
const ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// Documented limits: three queries per `listMetadata`, ten names per `readMetadata`.
pub const MAX_LIST_QUERIES: usize = 3;
pub const MAX_READ_NAMES: usize = 10;

pub fn endpoint(instance_url: &str, api_version: &str) -> String {
    format!("{instance_url}/services/Soap/m/{api_version}")
}

fn envelope(token: &Secret, body: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soapenv:Envelope xmlns:soapenv="{env}" xmlns:met="{met}">"#,
            "<soapenv:Header>",
            "<met:SessionHeader><met:sessionId>{token}</met:sessionId></met:SessionHeader>",
            "<met:CallOptions><met:client>pkce-audit/{version}</met:client></met:CallOptions>",
            "</soapenv:Header>",
            "<soapenv:Body>{body}</soapenv:Body>",
            "</soapenv:Envelope>"
        ),
        env = ENVELOPE_NS,
        met = METADATA_NS,
        token = escape(token.expose()),
        version = env!("CARGO_PKG_VERSION"),
        body = body
    )
}

/// `listMetadata` for up to three types.
pub fn list_metadata(token: &Secret, types: &[&str], api_version: &str) -> String {
    debug_assert!(!types.is_empty() && types.len() <= MAX_LIST_QUERIES);
    let mut body = String::from("<met:listMetadata>");
    for t in types {
        body.push_str(&format!(
            "<met:queries><met:type>{}</met:type></met:queries>",
            escape(t)
        ));
    }
    body.push_str(&format!(
        "<met:asOfVersion>{}</met:asOfVersion></met:listMetadata>",
        escape(api_version)
    ));
    envelope(token, &body)
}

/// `readMetadata` of up to ten names of one type.
pub fn read_metadata(token: &Secret, ty: &str, names: &[String]) -> String {
    debug_assert!(!names.is_empty() && names.len() <= MAX_READ_NAMES);
    let mut body = format!("<met:readMetadata><met:type>{}</met:type>", escape(ty));
    for n in names {
        body.push_str(&format!("<met:fullNames>{}</met:fullNames>", escape(n)));
    }
    body.push_str("</met:readMetadata>");
    envelope(token, &body)
}

/// `checkDeployStatus` of one deploy, without its details (WSDL v66: `asyncProcessId`,
/// `includeDetails`).
pub fn check_deploy_status(token: &Secret, id: &str) -> String {
    envelope(
        token,
        &format!(
            "<met:checkDeployStatus><met:asyncProcessId>{}</met:asyncProcessId><met:includeDetails>false</met:includeDetails></met:checkDeployStatus>",
            escape(id)
        ),
    )
}

/// What `verify` needs of a `DeployResult` (WSDL v66 `DeployResult`: `checkOnly`,
/// `completedDate`, `done`, `id`, `status`, `success`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployStatus {
    pub id: String,
    pub done: bool,
    /// `DeployStatus`: Pending, InProgress, Succeeded, SucceededPartial, Failed, Canceling,
    /// Canceled.
    pub status: String,
    pub success: bool,
    /// `None`: the answer leaves out `checkOnly`, which the WSDL requires.
    pub check_only: Option<bool>,
    pub completed: Option<String>,
}

/// The `result` of a `checkDeployStatusResponse`: exactly one, its fields once each.
pub fn parse_deploy_status(response: &Element) -> Result<DeployStatus, String> {
    if response.name != "checkDeployStatusResponse" {
        return Err(format!(
            "expected <checkDeployStatusResponse>, found <{}>",
            response.name
        ));
    }
    let mut results = response.children_named("result");
    let (Some(r), None) = (results.next(), results.next()) else {
        return Err("a checkDeployStatus answer without exactly one <result>".into());
    };
    let one = |field: &str| -> Result<Option<&str>, String> {
        match r.children_named(field).nth(1) {
            Some(_) => Err(format!(
                "a DeployResult holds <{field}> twice; the answer is ambiguous"
            )),
            None => Ok(r.child_text(field)),
        }
    };
    let flag = |field: &str| -> Result<bool, String> {
        match one(field)? {
            Some("true") => Ok(true),
            Some("false") | None => Ok(false),
            Some(other) => Err(format!(
                "a DeployResult's <{field}> is {other:?}, not a boolean"
            )),
        }
    };
    Ok(DeployStatus {
        id: one("id")?.unwrap_or_default().to_string(),
        done: flag("done")?,
        status: one("status")?.unwrap_or_default().to_string(),
        success: flag("success")?,
        check_only: match one("checkOnly")? {
            None => None,
            Some(_) => Some(flag("checkOnly")?),
        },
        completed: one("completedDate")?.map(str::to_string),
    })
}

/// What a SOAP answer turned out to be.
#[derive(Debug)]
pub enum Answer {
    /// The first element inside `<Body>` (`listMetadataResponse`, ...), with the API usage
    /// from a `LimitInfoHeader` when the server sent one.
    Response {
        body: Element,
        api_usage: Option<(u64, u64)>,
    },
    /// `<Fault>`: the exception code (the local part of `faultcode`) and `faultstring`.
    Fault { code: String, message: String },
}

/// Most tags (`<`) in one answer: a start and an end tag for each of the
/// [`xml::MAX_ELEMENTS`] elements the parser accepts. A `listMetadata` entry has 14
/// elements, so an answer may list some 17,000 components; a `readMetadata` answer of ten
/// apps has a few thousand elements. Built, an element costs about 200 bytes: one answer
/// stays near 50 MB however a hostile server packs its bytes.
pub const MAX_TAGS: usize = 2 * xml::MAX_ELEMENTS;
/// Most attributes in one answer (the parser caps them per element only). Salesforce puts
/// a few namespace declarations on the envelope and one `xsi:type` or `xsi:nil` on some
/// elements.
pub const MAX_ATTRIBUTES: usize = 250_000;
/// Most attributes on one element, as the parser has it.
pub const MAX_ATTRIBUTES_PER_ELEMENT: usize = xml::MAX_ATTRIBUTES;

/// Checks, in one pass and without building anything, that an answer stays within
/// [`MAX_TAGS`] and the attribute bounds, so that parsing it is bounded in time and
/// memory. Comments, CDATA and processing instructions are skipped as the parser skips
/// them, and quoted attribute values as a whole, so no markup hides from the count.
pub fn check_bounds(bytes: &[u8]) -> Result<(), String> {
    fn find(bytes: &[u8], from: usize, needle: &[u8]) -> usize {
        bytes
            .get(from..)
            .and_then(|rest| rest.windows(needle.len()).position(|w| w == needle))
            .map_or(bytes.len(), |p| from + p + needle.len())
    }
    let (mut tags, mut attributes, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        tags += 1;
        if tags > MAX_TAGS {
            return Err(format!("the SOAP answer has more than {MAX_TAGS} tags"));
        }
        let rest = &bytes[i..];
        if rest.starts_with(b"<!--") {
            i = find(bytes, i + 4, b"-->");
            continue;
        }
        if rest.starts_with(b"<![CDATA[") {
            i = find(bytes, i + 9, b"]]>");
            continue;
        }
        if rest.starts_with(b"<?") {
            i = find(bytes, i + 2, b"?>");
            continue;
        }
        // A start, end or empty-element tag, up to its unquoted `>`.
        let mut here = 0;
        i += 1;
        while i < bytes.len() {
            match bytes[i] {
                q @ (b'"' | b'\'') => {
                    i = find(bytes, i + 1, &[q]);
                    continue;
                }
                b'=' => {
                    here += 1;
                    attributes += 1;
                    if here > MAX_ATTRIBUTES_PER_ELEMENT {
                        return Err(format!(
                            "an element of the SOAP answer has more than {MAX_ATTRIBUTES_PER_ELEMENT} attributes"
                        ));
                    }
                    if attributes > MAX_ATTRIBUTES {
                        return Err(format!(
                            "the SOAP answer has more than {MAX_ATTRIBUTES} attributes"
                        ));
                    }
                }
                b'>' => {
                    i += 1;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
    }
    Ok(())
}

/// Parses an envelope. `Err` is a body that is not a SOAP envelope (malformed, truncated,
/// or beyond [`check_bounds`]).
pub fn parse_answer(bytes: &[u8]) -> Result<Answer, String> {
    check_bounds(bytes)?;
    let root = xml::parse(bytes).map_err(|e| format!("malformed SOAP response: {e}"))?;
    if root.name != "Envelope" {
        return Err(format!("expected a SOAP envelope, found <{}>", root.name));
    }
    let api_usage = root.child("Header").and_then(limit_info);
    let mut root = root;
    let idx = root
        .children
        .iter()
        .position(|c| c.name == "Body")
        .ok_or("SOAP envelope without a Body")?;
    let mut body = root.children.swap_remove(idx);
    let first = body.children.drain(..).next().ok_or("empty SOAP Body")?;
    if first.name == "Fault" {
        let code = first
            .child_text("faultcode")
            .map(|c| c.rsplit(':').next().unwrap_or(c).to_string())
            .or_else(|| first.find("exceptionCode").map(|e| e.text.clone()))
            .unwrap_or_else(|| "UNKNOWN".into());
        // Salesforce starts faultstring with the code; it is shown once.
        let text = first.child_text("faultstring").unwrap_or("");
        let message = text
            .strip_prefix(code.as_str())
            .and_then(|m| m.strip_prefix(':'))
            .map_or(text, str::trim_start)
            .to_string();
        return Ok(Answer::Fault { code, message });
    }
    Ok(Answer::Response {
        body: first,
        api_usage,
    })
}

/// `<LimitInfoHeader><limitInfo><current/><limit/><type>API REQUESTS</type>`.
fn limit_info(header: &Element) -> Option<(u64, u64)> {
    header
        .find("LimitInfoHeader")?
        .children_named("limitInfo")
        .find(|l| l.child_text("type") == Some("API REQUESTS"))
        .and_then(|l| {
            Some((
                l.child_text("current")?.parse().ok()?,
                l.child_text("limit")?.parse().ok()?,
            ))
        })
}

/// One `FileProperties` of a `listMetadataResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub ty: String,
    pub full_name: String,
    pub package: PackageInfo,
}

pub fn parse_list(response: &Element) -> Result<Vec<Listed>, String> {
    if response.name != "listMetadataResponse" {
        return Err(format!(
            "expected <listMetadataResponse>, found <{}>",
            response.name
        ));
    }
    // An entry without a fullName (or an empty one) is kept with an empty name: the
    // caller names it as unreadable instead of losing the whole answer or the entry.
    response
        .children_named("result")
        .map(|r| {
            // Each field holds one value: a second copy makes the entry ambiguous, and
            // the answer is refused rather than read as its first copy.
            for field in ["type", "fullName", "namespacePrefix", "manageableState"] {
                if r.children_named(field).nth(1).is_some() {
                    return Err(format!(
                        "a listMetadata <result> holds <{field}> twice (line {}); the answer is ambiguous",
                        r.line
                    ));
                }
            }
            Ok(Listed {
                ty: r.child_text("type").unwrap_or_default().to_string(),
                full_name: r.child_text("fullName").unwrap_or_default().to_string(),
                package: PackageInfo {
                    // `<namespacePrefix/>` (empty) means none, like an absent element.
                    namespace_prefix: r.child_text("namespacePrefix").map(str::to_string),
                    manageable_state: r.child_text("manageableState").map(str::to_string),
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod list_tests {
    #[test]
    fn a_result_with_a_field_twice_is_refused() {
        let el = crate::xml::parse(b"<listMetadataResponse><result><fullName>A</fullName><fullName>B</fullName><type>ConnectedApp</type></result></listMetadataResponse>").unwrap();
        let e = super::parse_list(&el).unwrap_err();
        assert!(e.contains("<fullName> twice"), "{e}");
    }
}

/// One `records` of a `readMetadataResponse`: `None` for `<records xsi:nil="true"/>`.
pub fn parse_read(response: Element) -> Result<Vec<Option<Element>>, String> {
    if response.name != "readMetadataResponse" {
        return Err(format!(
            "expected <readMetadataResponse>, found <{}>",
            response.name
        ));
    }
    let mut out = Vec::new();
    for result in response.children.into_iter().filter(|c| c.name == "result") {
        for r in result.children.into_iter().filter(|c| c.name == "records") {
            out.push((!r.is_nil()).then_some(r));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok() -> Secret {
        Secret::new("00D!A<&>")
    }

    #[test]
    fn requests_match_the_wsdl_shape() {
        let list = list_metadata(
            &tok(),
            &["ConnectedApp", "ExternalClientApplication"],
            "66.0",
        );
        let el = xml::parse(list.as_bytes()).unwrap();
        assert_eq!(el.name, "Envelope");
        let header = el.child("Header").unwrap();
        assert_eq!(header.find("sessionId").unwrap().text, "00D!A<&>");
        assert!(header
            .find("client")
            .unwrap()
            .text
            .starts_with("pkce-audit/"));
        let call = el.child("Body").unwrap().child("listMetadata").unwrap();
        let types: Vec<_> = call
            .children_named("queries")
            .map(|q| q.child_text("type").unwrap())
            .collect();
        assert_eq!(types, ["ConnectedApp", "ExternalClientApplication"]);
        assert_eq!(call.child_text("asOfVersion"), Some("66.0"));
        assert!(list.contains("xmlns:met=\"http://soap.sforce.com/2006/04/metadata\""));

        let read = read_metadata(&tok(), "ConnectedApp", &["A".into(), "ns__B".into()]);
        let el = xml::parse(read.as_bytes()).unwrap();
        let call = el.child("Body").unwrap().child("readMetadata").unwrap();
        assert_eq!(call.child_text("type"), Some("ConnectedApp"));
        let names: Vec<_> = call
            .children_named("fullNames")
            .map(|n| n.text.as_str())
            .collect();
        assert_eq!(names, ["A", "ns__B"]);
    }

    #[test]
    fn list_answers_from_the_corpus() {
        let objects = br#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata">
  <soapenv:Body>
    <listMetadataResponse>
      <result><fileName>objects/Site.object</fileName><fullName>Site</fullName><id/><namespacePrefix/><type>CustomObject</type></result>
      <result><fullName>SBQQ__X</fullName><manageableState>installed</manageableState><namespacePrefix>SBQQ</namespacePrefix><type>ApexClass</type></result>
    </listMetadataResponse>
  </soapenv:Body>
</soapenv:Envelope>"#;
        let Answer::Response { body, .. } = parse_answer(objects).unwrap() else {
            panic!()
        };
        let l = parse_list(&body).unwrap();
        assert_eq!(l[0].full_name, "Site");
        assert_eq!(l[0].package, PackageInfo::default());
        assert_eq!(l[1].package.namespace_prefix.as_deref(), Some("SBQQ"));
        assert_eq!(l[1].package.manageable_state.as_deref(), Some("installed"));
        let empty = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata"><soapenv:Body><listMetadataResponse/></soapenv:Body></soapenv:Envelope>"#;
        let Answer::Response { body, .. } = parse_answer(empty).unwrap() else {
            panic!()
        };
        assert!(parse_list(&body).unwrap().is_empty());
        // An entry without a (non-empty) fullName is kept, nameless, for the caller to
        // name; it does not sink the other entries.
        let odd = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata"><soapenv:Body><listMetadataResponse><result/><result><fullName/><type>ConnectedApp</type></result><result><fullName>A</fullName><type>ConnectedApp</type></result></listMetadataResponse></soapenv:Body></soapenv:Envelope>"#;
        let Answer::Response { body, .. } = parse_answer(odd).unwrap() else {
            panic!()
        };
        let l = parse_list(&body).unwrap();
        let names: Vec<_> = l
            .iter()
            .map(|l| (l.ty.as_str(), l.full_name.as_str()))
            .collect();
        assert_eq!(
            names,
            [("", ""), ("ConnectedApp", ""), ("ConnectedApp", "A")]
        );
    }

    #[test]
    fn read_answers_with_nil_records_and_limit_info() {
        let doc = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Header><LimitInfoHeader><limitInfo><current>42</current><limit>15000</limit><type>API REQUESTS</type></limitInfo></LimitInfoHeader></soapenv:Header>
<soapenv:Body><readMetadataResponse><result>
<records xsi:type="ConnectedApp"><fullName>A</fullName><label>A</label></records>
<records xsi:nil="true"/>
</result></readMetadataResponse></soapenv:Body></soapenv:Envelope>"#;
        let Answer::Response { body, api_usage } = parse_answer(doc).unwrap() else {
            panic!()
        };
        assert_eq!(api_usage, Some((42, 15000)));
        let r = parse_read(body).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[0].as_ref().unwrap().attr("xsi:type"),
            Some("ConnectedApp")
        );
        assert!(r[1].is_none());
    }

    #[test]
    fn faults_from_the_corpus() {
        let doc = br#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soapenv:Body>
    <soapenv:Fault>
      <faultcode>sf:INVALID_SESSION_ID</faultcode>
      <faultstring>INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session</faultstring>
    </soapenv:Fault>
  </soapenv:Body>
</soapenv:Envelope>"#;
        match parse_answer(doc).unwrap() {
            Answer::Fault { code, message } => {
                assert_eq!(code, "INVALID_SESSION_ID");
                assert_eq!(
                    message,
                    "Invalid Session ID found in SessionHeader: Illegal Session"
                );
            }
            other => panic!("{other:?}"),
        }
        let client = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>Invalid request data</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
        assert!(
            matches!(parse_answer(client).unwrap(), Answer::Fault { code, .. } if code == "Client")
        );
    }

    #[test]
    fn answers_beyond_the_bounds_are_refused_before_parsing() {
        let wrap = |inner: &str| {
            format!(
                r#"<soapenv:Envelope xmlns:soapenv="{ENVELOPE_NS}"><soapenv:Body><listMetadataResponse>{inner}</listMetadataResponse></soapenv:Body></soapenv:Envelope>"#
            )
        };
        let elements = xml::MAX_ELEMENTS - 10;
        assert!(parse_answer(wrap(&"<x>1</x>".repeat(elements)).as_bytes()).is_ok());
        let e = parse_answer(wrap(&"<x/>".repeat(MAX_TAGS)).as_bytes()).unwrap_err();
        assert!(e.contains(&format!("more than {MAX_TAGS} tags")), "{e}");
        let attrs = |n: usize| (0..n).map(|i| format!(" a{i}=\"\"")).collect::<String>();
        assert!(parse_answer(wrap(&format!("<x{}/>", attrs(32))).as_bytes()).is_ok());
        let e = parse_answer(wrap(&format!("<x{}/>", attrs(33))).as_bytes()).unwrap_err();
        assert!(e.contains("more than 32 attributes"), "{e}");
        // A quoted `>` or an apostrophe in a comment hides nothing from the count.
        let hidden = format!("<!-- it's --><x a=\">\"{}/>", attrs(40));
        assert!(parse_answer(wrap(&hidden).as_bytes())
            .unwrap_err()
            .contains("more than 32 attributes"));
        let many = format!("<x{}/>", attrs(30)).repeat(MAX_ATTRIBUTES / 30 + 1);
        assert!(parse_answer(wrap(&many).as_bytes())
            .unwrap_err()
            .contains("more than 250000 attributes"));
        // Equals signs in text and CDATA are not attributes.
        let text = format!(
            "<x>{}</x><![CDATA[{}]]>",
            "a=b ".repeat(300_000),
            "=".repeat(300_000)
        );
        assert!(parse_answer(wrap(&text).as_bytes()).is_ok());
    }

    #[test]
    fn truncated_and_foreign_bodies_are_errors() {
        assert!(parse_answer(b"<soapenv:Envelope><soapenv:Body><readMetadataResp").is_err());
        assert!(parse_answer(b"<html><body>Down for maintenance</body></html>").is_err());
        assert!(parse_answer(b"").is_err());
    }
}
