//! The org's content: metadata components read from the org folder (through
//! `pkce_audit_io::source::discover`, like the directory audit), and sObject records for
//! REST queries (`Organization` built in, others from `<org_dir>/evidence/<Object>.json`
//! or `Config::sobjects`, see [`sobjects`]).

use super::Config;
use pkce_audit_io::metadata::{self, MetadataType};
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

mod sobjects;

/// One metadata component as the org holds it.
#[derive(Debug, Clone)]
pub struct Component {
    pub ty: MetadataType,
    pub full_name: String,
    /// File it was read from, relative to the org folder.
    pub rel: String,
    /// 18-character fake id (empty for settings, like real `<id/>`).
    pub id: String,
    /// `Some(ns)` for a component of an installed package (namespace other than the org's).
    pub installed_namespace: Option<String>,
    pub created_date: String,
    pub last_modified_date: String,
    /// The `readMetadata` record content: `<fullName>` and the children of the file's
    /// root, verbatim (secrets handled as the real org does).
    pub record_xml: String,
    /// The file as `retrieve` zips it: the whole document, with the same secret handling.
    pub file_xml: String,
}

impl Component {
    /// `fileName` in mdapi form: `connectedApps/X.connectedApp`.
    pub fn file_name(&self) -> String {
        let info = self.ty.info();
        format!("{}/{}.{}", info.folder, self.full_name, info.suffix)
    }

    /// The type name `listMetadata` reports; the org OAuth settings are a `Settings` member.
    pub fn list_type(&self) -> &'static str {
        manifest_name(self.ty)
    }
}

/// The type name `listMetadata` and package.xml use: `Settings` for the org settings.
pub(crate) fn manifest_name(ty: MetadataType) -> &'static str {
    match ty {
        MetadataType::OauthOidcSettings => "Settings",
        t => t.name(),
    }
}

/// The type a package.xml `<name>` means: `Settings` (member `OauthOidc`) is the org
/// settings; a settings type's own name is no manifest type.
pub(crate) fn manifest_type(name: &str) -> Option<MetadataType> {
    match name {
        "Settings" => Some(MetadataType::OauthOidcSettings),
        "OauthOidcSettings" => None,
        t => MetadataType::from_name(t),
    }
}

/// An sObject the REST query endpoints serve.
#[derive(Debug, Clone)]
pub struct SObject {
    /// Canonical API name (the file stem or `Config::sobjects` key).
    pub name: String,
    /// Known field names (canonical case). Empty means unknown: any field is accepted.
    pub fields: Vec<String>,
    pub records: Vec<Value>,
    /// Only on `/tooling/query` (e.g. InstalledSubscriberPackage).
    pub tooling_only: bool,
    /// Accepts GROUP BY and aggregate functions (OauthToken fields do not).
    pub aggregatable: bool,
    /// Fields a WHERE may not name (describe `filterable: false`).
    pub unfilterable: Vec<String>,
}

impl SObject {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.eq_ignore_ascii_case(name))
            .map(String::as_str)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Org {
    pub namespace: Option<String>,
    pub name: String,
    pub components: Vec<Component>,
    /// Files found but not served: not well-formed XML cannot exist in a real org.
    pub skipped: Vec<(String, String)>,
    /// By lower-case object name.
    pub sobjects: BTreeMap<String, SObject>,
    /// Objects the snapshot served recorded as unreadable: queries give INSUFFICIENT_ACCESS.
    pub denied_objects: Vec<String>,
    /// The snapshot served read LoginHistory row by row: aggregate queries are refused.
    pub reject_aggregates: bool,
}

impl Org {
    pub fn load(cfg: &Config) -> Result<Org, String> {
        let discovery = pkce_audit_io::source::discover(&cfg.org_dir)
            .map_err(|e| format!("cannot read org folder: {e}"))?;
        let mut org = Org {
            namespace: discovery.org_namespace.clone(),
            name: project_name(&cfg.org_dir).unwrap_or_else(|| "Fake Org".into()),
            ..Default::default()
        };
        let base = chrono::DateTime::parse_from_rfc3339("2023-03-01T09:15:00Z")
            .expect("valid date")
            .with_timezone(&chrono::Utc);
        let mut per_type: BTreeMap<MetadataType, u32> = BTreeMap::new();
        for (i, f) in discovery.files.iter().enumerate() {
            let bytes = match std::fs::read(&f.path) {
                Ok(b) => b,
                Err(e) => {
                    org.skipped.push((f.rel.clone(), e.to_string()));
                    continue;
                }
            };
            // What the library cannot parse as XML cannot be metadata of a real org.
            if let Err(e) = pkce_audit_io::xml::parse(&bytes) {
                org.skipped.push((f.rel.clone(), e.to_string()));
                continue;
            }
            let (record_xml, file_xml) = match served_xml(&bytes, &f.full_name, f.ty) {
                Ok(x) => x,
                Err(e) => {
                    org.skipped.push((f.rel.clone(), e));
                    continue;
                }
            };
            let n = per_type.entry(f.ty).or_default();
            *n += 1;
            let id = match f.ty {
                MetadataType::OauthOidcSettings => String::new(),
                t => fake_id(key_prefix(t), *n as u64),
            };
            let created = base + chrono::Duration::hours(i as i64 * 53);
            let modified = created + chrono::Duration::days(40) + chrono::Duration::minutes(17);
            let installed_namespace = metadata::namespace_of(&f.full_name)
                .filter(|ns| Some(*ns) != org.namespace.as_deref())
                .map(str::to_string);
            org.components.push(Component {
                ty: f.ty,
                full_name: f.full_name.clone(),
                rel: f.rel.clone(),
                id,
                installed_namespace,
                created_date: sf_datetime(created),
                last_modified_date: sf_datetime(modified),
                record_xml,
                file_xml,
            });
        }
        org.load_sobjects(cfg, discovery.manifest.as_ref())?;
        Ok(org)
    }

    pub fn component(&self, ty: MetadataType, full_name: &str) -> Option<&Component> {
        self.components
            .iter()
            .find(|c| c.ty == ty && c.full_name == full_name)
    }

    pub fn sobject(&self, name: &str) -> Option<&SObject> {
        self.sobjects.get(&name.to_ascii_lowercase())
    }
}

fn project_name(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("sfdx-project.json")).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    v.get("name")?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// A component's `readMetadata` record content and retrieved file from the bytes of its
/// file, with the secrets handled as the real org does (also what a deploy stores).
pub(crate) fn served_xml(
    bytes: &[u8],
    full_name: &str,
    ty: MetadataType,
) -> Result<(String, String), String> {
    let secret = match ty {
        MetadataType::ConnectedApp => Secret::Strip,
        MetadataType::ExtlClntAppGlobalOauthSettings => {
            Secret::Insert(super::config::ECA_CONSUMER_SECRET)
        }
        // An Auth. Provider's `consumerSecret` and `ecKey` are served as the file
        // holds them: the client must drop them (tests/it/live_auth_providers.rs).
        _ => Secret::Keep,
    };
    record_xml(bytes, full_name, secret)
}

/// Salesforce SOAP dateTime: `2021-10-01T02:46:23.000Z`.
pub(crate) fn sf_datetime(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

/// The key prefix of a component type's ids.
pub(crate) fn key_prefix(ty: MetadataType) -> &'static str {
    match ty {
        MetadataType::ConnectedApp => "0H4",
        MetadataType::ExternalClientApplication => "0xI",
        MetadataType::ExtlClntAppGlobalOauthSettings => "0xG",
        MetadataType::ExtlClntAppOauthSettings => "0xO",
        MetadataType::ExtlClntAppOauthConfigurablePolicies => "0xP",
        MetadataType::ExtlClntAppConfigurablePolicies => "0xC",
        MetadataType::AuthProvider => "0SO",
        _ => "0xX",
    }
}

/// A fake but well-formed 18-character id: prefix + `FAKE` + 8 digits + case checksum.
pub fn fake_id(prefix: &str, n: u64) -> String {
    id18(&format!("{prefix}FAKE{n:08}"))
}

/// Adds the 3-character case-safe suffix to a 15-character Salesforce id.
pub fn id18(id15: &str) -> String {
    const MAP: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let mut out = id15.to_string();
    for chunk in id15.as_bytes().chunks(5) {
        let bits = chunk
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_ascii_uppercase())
            .fold(0usize, |acc, (i, _)| acc | (1 << i));
        out.push(MAP[bits] as char);
    }
    out
}

#[derive(Clone, Copy)]
enum Secret<'a> {
    Keep,
    /// A real org never returns a Connected App's consumer secret.
    Strip,
    /// ECA global OAuth settings carry the secret when the reader may see it.
    Insert(&'a str),
}

fn local_name(raw: &[u8]) -> &[u8] {
    match raw.iter().rposition(|&b| b == b':') {
        Some(i) => &raw[i + 1..],
        None => raw,
    }
}

/// The record content for a file: `<fullName>` (unless the file has one) followed by the
/// children of the root element, byte for byte, minus/plus `<consumerSecret>`; and the
/// whole file with the same edits.
fn record_xml(
    bytes: &[u8],
    full_name: &str,
    secret: Secret<'_>,
) -> Result<(String, String), String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let mut reader = Reader::from_str(text);
    let mut depth = 0usize;
    let (mut inner_start, mut inner_end) = (None, None);
    let mut secret_start = None;
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut after_key = None;
    let mut has_full_name = false;
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| e.to_string())?;
        let after = reader.buffer_position() as usize;
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                let name = local_name(e.name().into_inner()).to_vec();
                if depth == 0 {
                    inner_start = Some(after);
                } else if depth == 1 && name == b"fullName" {
                    has_full_name = true;
                }
                if name == b"consumerSecret" {
                    secret_start = Some(before);
                }
                depth += 1;
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                let name = local_name(e.name().into_inner()).to_vec();
                if depth == 0 {
                    inner_end = Some(before);
                }
                if name == b"consumerSecret" {
                    if let Some(s) = secret_start.take() {
                        cuts.push((s, after));
                    }
                }
                if depth == 1 && name == b"consumerKey" {
                    after_key = Some(after);
                }
            }
            Event::Empty(e) => {
                let name = local_name(e.name().into_inner()).to_vec();
                if depth == 0 {
                    inner_start = Some(after);
                    inner_end = Some(after);
                } else {
                    if name == b"consumerSecret" {
                        cuts.push((before, after));
                    }
                    if depth == 1 && name == b"fullName" {
                        has_full_name = true;
                    }
                    if depth == 1 && name == b"consumerKey" {
                        after_key = Some(after);
                    }
                }
            }
            _ => {}
        }
    }
    let (Some(start), Some(end)) = (inner_start, inner_end) else {
        return Err("no root element".into());
    };
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    if !matches!(secret, Secret::Keep) {
        for (s, e) in cuts {
            // Take the line's indentation and line break with the element.
            let mut s2 = s;
            while s2 > start && matches!(bytes[s2 - 1], b' ' | b'\t') {
                s2 -= 1;
            }
            if s2 > start && bytes[s2 - 1] == b'\n' {
                s2 -= 1;
                if s2 > start && bytes[s2 - 1] == b'\r' {
                    s2 -= 1;
                }
            }
            edits.push((s2, e, String::new()));
        }
    }
    if let Secret::Insert(value) = secret {
        let at = after_key.unwrap_or(start);
        edits.push((
            at,
            at,
            format!(
                "\n    <consumerSecret>{}</consumerSecret>",
                pkce_audit_io::xml::escape(value)
            ),
        ));
    }
    edits.sort_by_key(|(s, e, _)| (*s, *e));
    let mut inner = String::new();
    let mut pos = start;
    for (s, e, insert) in edits {
        if s < pos {
            continue;
        }
        inner.push_str(&text[pos..s]);
        inner.push_str(&insert);
        pos = e;
    }
    inner.push_str(&text[pos..end]);
    let file = format!("{}{inner}{}", &text[..start], &text[end..]);
    let record = if has_full_name {
        inner
    } else {
        format!(
            "\n    <fullName>{}</fullName>{inner}",
            pkce_audit_io::xml::escape(full_name)
        )
    };
    Ok((record, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_case_checksums() {
        // Known pair: 001000000000001 has no upper case → AAA.
        assert_eq!(id18("001000000000001"), "001000000000001AAA");
        assert_eq!(fake_id("0H4", 1).len(), 18);
    }

    #[test]
    fn record_strips_and_inserts_secrets() {
        let ca = b"<?xml version=\"1.0\"?>\n<ConnectedApp xmlns=\"x\">\n    <label>A</label>\n    <oauthConfig>\n        <consumerKey>k</consumerKey>\n        <consumerSecret>s</consumerSecret>\n    </oauthConfig>\n</ConnectedApp>\n";
        let (r, file) = record_xml(ca, "A", Secret::Strip).unwrap();
        assert!(!r.contains("consumerSecret"), "{r}");
        assert_eq!(
            file,
            "<?xml version=\"1.0\"?>\n<ConnectedApp xmlns=\"x\">\n    <label>A</label>\n    <oauthConfig>\n        <consumerKey>k</consumerKey>\n    </oauthConfig>\n</ConnectedApp>\n"
        );
        assert!(
            r.starts_with("\n    <fullName>A</fullName>\n    <label>A</label>"),
            "{r}"
        );
        let eca = b"<ExtlClntAppGlobalOauthSettings><consumerKey>k</consumerKey><label>x</label></ExtlClntAppGlobalOauthSettings>";
        let (r, _) = record_xml(eca, "G", Secret::Insert("S&1")).unwrap();
        assert!(
            r.contains(
                "<consumerKey>k</consumerKey>\n    <consumerSecret>S&amp;1</consumerSecret><label>"
            ),
            "{r}"
        );
    }
}
