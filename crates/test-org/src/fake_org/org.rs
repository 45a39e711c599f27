//! The org's content: metadata components read from the org folder (through
//! `pkce_audit_io::source::discover`, like the directory audit), and sObject records for
//! REST queries (`Organization` built in, others from `<org_dir>/evidence/<Object>.json`
//! or `Config::sobjects`).

use super::Config;
use pkce_audit_io::metadata::{self, MetadataType};
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

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
}

impl Component {
    /// `fileName` in mdapi form: `connectedApps/X.connectedApp`.
    pub fn file_name(&self) -> String {
        let info = self.ty.info();
        format!("{}/{}.{}", info.folder, self.full_name, info.suffix)
    }

    /// The type name `listMetadata` reports; the org OAuth settings are a `Settings` member.
    pub fn list_type(&self) -> &'static str {
        match self.ty {
            MetadataType::OauthOidcSettings => "Settings",
            t => t.name(),
        }
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
}

impl SObject {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.eq_ignore_ascii_case(name))
            .map(String::as_str)
    }
}

/// The evidence objects every org has, with their documented fields (relationships by
/// name, e.g. `User`), so a query of an unknown field fails as it would in a real org.
const EVIDENCE_OBJECTS: &[(&str, &[&str])] = &[
    (
        "InstalledSubscriberPackage",
        &[
            "Id",
            "MinPackageVersionId",
            "SubscriberPackageId",
            "SubscriberPackageVersionId",
            "SubscriberPackage",
            "SubscriberPackageVersion",
        ],
    ),
    (
        "ConnectedApplication",
        &[
            "Id",
            "Name",
            "CreatedById",
            "CreatedDate",
            "LastModifiedById",
            "LastModifiedDate",
            "MobileSessionTimeout",
            "MobileStartUrl",
            "NamedUserUvidTimeout",
            "OptionsAllowAdminApprovedUsersOnly",
            "OptionsAppIssueJwtTokenEnabled",
            "OptionsCodeCredentialGuestEnabled",
            "OptionsFullContentPushNotifications",
            "OptionsHasSessionLevelPolicy",
            "OptionsIsInternal",
            "OptionsRefreshTokenValidityMetric",
            "OptionsTokenExchangeManageBitEnabled",
            "PinLength",
            "RefreshTokenValidityPeriod",
            "StartUrl",
            "SystemModstamp",
            "UvidTimeout",
        ],
    ),
    (
        "OauthToken",
        &[
            "Id",
            "AccessToken",
            "AppMenuItemId",
            "AppMenuItem",
            "AppName",
            "CreatedDate",
            "DeleteToken",
            "LastUsedDate",
            "RequestToken",
            "UseCount",
            "UserId",
            "User",
        ],
    ),
    (
        "LoginHistory",
        &[
            "Id",
            "ApiType",
            "ApiVersion",
            "Application",
            "AuthMethodReference",
            "AuthenticationServiceId",
            "Browser",
            "CipherSuite",
            "ClientVersion",
            "CountryIso",
            "LoginGeoId",
            "LoginSubType",
            "LoginTime",
            "LoginType",
            "LoginUrl",
            "NetworkId",
            "OptionsIsGet",
            "OptionsIsPost",
            "Platform",
            "SourceIp",
            "Status",
            "TlsProtocol",
            "UserId",
        ],
    ),
];

/// Objects whose fields cannot be grouped or aggregated (describe: `aggregatable: false`).
const NOT_AGGREGATABLE: &[&str] = &["OauthToken"];

/// Objects that exist only in the Tooling API.
const TOOLING_ONLY: &[&str] = &[
    "InstalledSubscriberPackage",
    "SandboxProcess",
    "SubscriberPackage",
    "SubscriberPackageVersion",
    "Publisher",
];

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
            let secret = match f.ty {
                MetadataType::ConnectedApp => Secret::Strip,
                MetadataType::ExtlClntAppGlobalOauthSettings
                    if !cfg.eca_consumer_secret.is_empty() =>
                {
                    Secret::Insert(&cfg.eca_consumer_secret)
                }
                _ => Secret::Keep,
            };
            let record_xml = match record_xml(&bytes, &f.full_name, secret) {
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

    fn load_sobjects(
        &mut self,
        cfg: &Config,
        manifest: Option<&pkce_audit_io::snapshot::Manifest>,
    ) -> Result<(), String> {
        let org_record = json!({
            "Id": cfg.org_id,
            "Name": self.name,
            "NamespacePrefix": self.namespace,
            "IsSandbox": cfg.is_sandbox,
            "OrganizationType": "Enterprise Edition",
            "InstanceName": "FAKE1",
            "LanguageLocaleKey": "en_US",
            "DefaultLocaleSidKey": "en_US",
            "TimeZoneSidKey": "America/Los_Angeles",
            "TrialExpirationDate": null,
            "CreatedDate": "2019-04-02T08:00:00.000+0000",
        });
        self.add_sobject("Organization", None, vec![org_record]);
        // Every org has the evidence objects; a snapshot's evidence is served back as the
        // raw rows that produce it; record files and `Config::sobjects` replace either.
        for (name, _) in EVIDENCE_OBJECTS {
            self.add_sobject(name, None, Vec::new());
        }
        // A real org lists its own Connected Apps (and installed ones) in
        // ConnectedApplication, by label, whatever their usage.
        let own_apps: Vec<Value> = self
            .components
            .iter()
            .filter(|c| c.ty == MetadataType::ConnectedApp)
            .enumerate()
            .map(|(n, c)| {
                let label = c
                    .record_xml
                    .split("<label>")
                    .nth(1)
                    .and_then(|rest| rest.split("</label>").next())
                    .map(|l| {
                        l.replace("&amp;", "&")
                            .replace("&lt;", "<")
                            .replace("&gt;", ">")
                    })
                    .unwrap_or_else(|| c.full_name.clone());
                json!({
                    "attributes": {"type": "ConnectedApplication"},
                    "Id": fake_id("0H4", n as u64),
                    "Name": label,
                    "CreatedDate": c.created_date,
                })
            })
            .collect();
        self.add_sobject("ConnectedApplication", None, own_apps);
        self.add_sobject("User", None, vec![super::identity::user_sobject(cfg, self)]);
        // A production org has no sandbox copies: Tooling SandboxProcess answers no rows.
        self.add_sobject(
            "SandboxProcess",
            Some(
                [
                    "Id",
                    "SandboxName",
                    "LicenseType",
                    "Status",
                    "SandboxInfoId",
                    "SandboxOrganization",
                    "CopyProgress",
                    "StartDate",
                    "EndDate",
                    "Description",
                ]
                .map(String::from)
                .to_vec(),
            ),
            Vec::new(),
        );
        for (name, fields, records) in self.eca_sobjects() {
            self.add_sobject(name, Some(fields), records);
        }
        if let Some(e) = manifest.and_then(|m| m.evidence.as_ref()) {
            let synth = super::evidence::synthesize(e, cfg.now);
            for (name, records) in synth.objects {
                self.add_sobject(&name, None, records);
            }
            self.denied_objects = synth.denied;
            self.reject_aggregates = synth.reject_aggregates;
        }
        let dir = cfg.org_dir.join("evidence");
        if let Ok(entries) = std::fs::read_dir(&dir) {
            let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for path in paths {
                if path.extension().and_then(|e| e.to_str()) != Some("json") {
                    continue;
                }
                let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                    continue;
                };
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let value: Value =
                    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
                let (fields, records) = match value {
                    Value::Array(records) => (None, records),
                    Value::Object(mut o) => {
                        let fields = o.remove("fields").and_then(|f| {
                            f.as_array().map(|a| {
                                a.iter()
                                    .filter_map(|v| v.as_str().map(String::from))
                                    .collect::<Vec<_>>()
                            })
                        });
                        let records = match o.remove("records") {
                            Some(Value::Array(r)) => r,
                            _ => {
                                return Err(format!(
                                    "{}: expected an array of records or {{\"fields\":[..],\"records\":[..]}}",
                                    path.display()
                                ))
                            }
                        };
                        (fields, records)
                    }
                    _ => return Err(format!("{}: expected a JSON array", path.display())),
                };
                self.denied_objects
                    .retain(|d| !d.eq_ignore_ascii_case(name));
                self.add_sobject(name, fields, records);
            }
        }
        for (name, records) in &cfg.sobjects {
            self.denied_objects
                .retain(|d| !d.eq_ignore_ascii_case(name));
            self.add_sobject(name, None, records.clone());
        }
        Ok(())
    }

    /// Adds or replaces an object. Without an explicit field list, the fields are the
    /// union of the records' keys; an evidence object also has its documented fields.
    pub fn add_sobject(&mut self, name: &str, fields: Option<Vec<String>>, records: Vec<Value>) {
        let mut fields = fields.unwrap_or_else(|| {
            let mut fields: Vec<String> = Vec::new();
            for r in &records {
                if let Value::Object(o) = r {
                    for k in o.keys() {
                        if k != "attributes" && !fields.iter().any(|f| f.eq_ignore_ascii_case(k)) {
                            fields.push(k.clone());
                        }
                    }
                }
            }
            fields
        });
        if let Some((_, documented)) = EVIDENCE_OBJECTS
            .iter()
            .find(|(o, _)| o.eq_ignore_ascii_case(name))
        {
            for f in *documented {
                if !fields.iter().any(|x| x.eq_ignore_ascii_case(f)) {
                    fields.push(f.to_string());
                }
            }
        }
        let records = records
            .into_iter()
            .map(|r| match r {
                Value::Object(mut o) => {
                    o.remove("attributes");
                    Value::Object(o)
                }
                other => Value::Object(Map::from_iter([("value".to_string(), other)])),
            })
            .collect();
        self.sobjects.insert(
            name.to_ascii_lowercase(),
            SObject {
                name: name.to_string(),
                fields,
                records,
                tooling_only: TOOLING_ONLY.iter().any(|t| t.eq_ignore_ascii_case(name)),
                aggregatable: !NOT_AGGREGATABLE
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(name)),
            },
        );
    }
}

/// `<name>value</name>` children of a record, as (name, text) pairs.
fn simple_fields(record_xml: &str) -> Vec<(String, String)> {
    let Ok(root) = pkce_audit_io::xml::parse(format!("<r>{record_xml}</r>").as_bytes()) else {
        return Vec::new();
    };
    root.children
        .iter()
        .filter(|c| c.children.is_empty())
        .map(|c| (c.name.clone(), c.text.trim().to_string()))
        .collect()
}

fn pascal(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A metadata text as a SOQL value: booleans and numbers typed, the rest strings.
fn soql_value(text: &str) -> Value {
    match text {
        "true" => json!(true),
        "false" => json!(false),
        t => t
            .parse::<i64>()
            .map(|n| json!(n))
            .unwrap_or_else(|_| json!(t)),
    }
}

impl Org {
    /// `ExternalClientApplication`, `ExtlClntAppOauthSettings` and `ExtlClntAppOauthPlcyCnfg`
    /// as SOQL objects, from the served External Client Apps. Not in any official object
    /// reference (salesforce-api.md §5.3, UNCONFIRMED); the columns follow public code that
    /// queries them (`Id, MasterLabel, DeveloperName, DistributionState`;
    /// `ExternalClientApplicationId, PermittedUsersPolicyType, IsClientCredentialsFlowEnabled,
    /// IsTokenExchangeFlowEnabled, ...`): each metadata field in PascalCase, the parent by id.
    fn eca_sobjects(&self) -> Vec<(&'static str, Vec<String>, Vec<Value>)> {
        let eca_id = |name: &str| {
            self.components
                .iter()
                .find(|c| c.ty == MetadataType::ExternalClientApplication && c.full_name == name)
                .map(|c| c.id.clone())
        };
        let mut out = Vec::new();
        for (object, ty) in [
            (
                "ExternalClientApplication",
                MetadataType::ExternalClientApplication,
            ),
            (
                "ExtlClntAppOauthSettings",
                MetadataType::ExtlClntAppOauthSettings,
            ),
            (
                "ExtlClntAppOauthPlcyCnfg",
                MetadataType::ExtlClntAppOauthConfigurablePolicies,
            ),
        ] {
            let mut fields: Vec<String> = [
                "Id",
                "DeveloperName",
                "MasterLabel",
                "NamespacePrefix",
                "CreatedDate",
                "LastModifiedDate",
            ]
            .iter()
            .chain(match ty {
                MetadataType::ExternalClientApplication => &[
                    "DistributionState",
                    "ManagedType",
                    "ContactEmail",
                    "IsProtected",
                ][..],
                MetadataType::ExtlClntAppOauthSettings => &[
                    "ExternalClientApplicationId",
                    "IsFirstPartyAppEnabled",
                    "OauthLink",
                ][..],
                _ => &[
                    "ExternalClientApplicationId",
                    "PermittedUsersPolicyType",
                    "RefreshTokenPolicyType",
                    "RefreshTokenValidityPeriod",
                    "RefreshTokenValidityUnit",
                    "IpRelaxationPolicyType",
                    "IsClientCredentialsFlowEnabled",
                    "ClientCredentialsFlowUser",
                    "IsTokenExchangeFlowEnabled",
                    "IsGuestCodeCredFlowEnabled",
                    "RequiredSessionLevel",
                ][..],
            })
            .map(|f| f.to_string())
            .collect();
            let mut records = Vec::new();
            for c in self.components.iter().filter(|c| c.ty == ty) {
                let ns = metadata::namespace_of(&c.full_name);
                let developer_name = match ns {
                    Some(ns) => c.full_name[ns.len() + 2..].to_string(),
                    None => c.full_name.clone(),
                };
                let mut r = Map::new();
                r.insert("Id".into(), json!(c.id));
                r.insert("DeveloperName".into(), json!(developer_name));
                r.insert("NamespacePrefix".into(), json!(ns));
                r.insert("CreatedDate".into(), json!(c.created_date));
                r.insert("LastModifiedDate".into(), json!(c.last_modified_date));
                for (k, v) in simple_fields(&c.record_xml) {
                    match k.as_str() {
                        "fullName" | "consumerSecret" => {}
                        "label" => {
                            r.insert("MasterLabel".into(), json!(v));
                        }
                        "externalClientApplication" => {
                            r.insert("ExternalClientApplicationId".into(), json!(eca_id(&v)));
                        }
                        _ => {
                            let key = pascal(&k);
                            if !fields.contains(&key) {
                                fields.push(key.clone());
                            }
                            r.insert(key, soql_value(&v));
                        }
                    }
                }
                records.push(Value::Object(r));
            }
            out.push((object, fields, records));
        }
        out
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

/// Salesforce SOAP dateTime: `2021-10-01T02:46:23.000Z`.
fn sf_datetime(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

fn key_prefix(ty: MetadataType) -> &'static str {
    match ty {
        MetadataType::ConnectedApp => "0H4",
        MetadataType::ExternalClientApplication => "0xI",
        MetadataType::ExtlClntAppGlobalOauthSettings => "0xG",
        MetadataType::ExtlClntAppOauthSettings => "0xO",
        MetadataType::ExtlClntAppOauthConfigurablePolicies => "0xP",
        MetadataType::ExtlClntAppConfigurablePolicies => "0xC",
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
/// children of the root element, byte for byte, minus/plus `<consumerSecret>`.
fn record_xml(bytes: &[u8], full_name: &str, secret: Secret<'_>) -> Result<String, String> {
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
    let mut out = String::new();
    if !has_full_name {
        out.push_str(&format!(
            "\n    <fullName>{}</fullName>",
            pkce_audit_io::xml::escape(full_name)
        ));
    }
    let mut pos = start;
    for (s, e, insert) in edits {
        if s < pos {
            continue;
        }
        out.push_str(&text[pos..s]);
        out.push_str(&insert);
        pos = e;
    }
    out.push_str(&text[pos..end]);
    Ok(out)
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
        let r = record_xml(ca, "A", Secret::Strip).unwrap();
        assert!(!r.contains("consumerSecret"), "{r}");
        assert!(
            r.starts_with("\n    <fullName>A</fullName>\n    <label>A</label>"),
            "{r}"
        );
        let eca = b"<ExtlClntAppGlobalOauthSettings><consumerKey>k</consumerKey><label>x</label></ExtlClntAppGlobalOauthSettings>";
        let r = record_xml(eca, "G", Secret::Insert("S&1")).unwrap();
        assert!(
            r.contains(
                "<consumerKey>k</consumerKey>\n    <consumerSecret>S&amp;1</consumerSecret><label>"
            ),
            "{r}"
        );
    }
}
