//! The sObjects the org answers REST queries from: the evidence objects (from
//! `<org_dir>/evidence/<Object>.json` or `Config::sobjects`), which are tooling-only or
//! refuse aggregates, and the External Client App objects built from the served apps.

use super::*;

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

/// LoginHistory fields that may be grouped but not filtered. UNCONFIRMED in the object
/// reference (its Usage section lists the filterable fields, and these are not among
/// them); reported by cclabsnz/sf-audit-plugin `src/checks/impl/SoapLoginApiAuthCheck.ts`
/// ("a WHERE clause naming them returns a parse error"). Answered with the refusal real
/// orgs give for an unfilterable field (`INVALID_FIELD`, "field 'X' can not be filtered
/// in query call"). `Config::login_history_filter_refusals` turns it off.
const LOGIN_HISTORY_UNFILTERABLE: &[&str] = &["ApiType", "Application", "Status"];

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

impl Org {
    pub(super) fn load_sobjects(
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
        self.add_sobject(
            "User",
            None,
            vec![crate::fake_org::identity::user_sobject(cfg, self)],
        );
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
            let synth = crate::fake_org::evidence::synthesize(e, cfg.now);
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
        if self.sobject("UserPermissionAccess").is_none() {
            // The login's own effective permissions (one row): by default an admin's,
            // who sees every user's logins and tokens.
            self.add_sobject(
                "UserPermissionAccess",
                None,
                vec![serde_json::json!({
                    "PermissionsManageUsers": true,
                    "PermissionsMonitorLoginHistory": false,
                    "PermissionsCustomizeApplication": true,
                })],
            );
        }
        for (name, records) in &cfg.sobjects {
            self.denied_objects
                .retain(|d| !d.eq_ignore_ascii_case(name));
            self.add_sobject(name, None, records.clone());
        }
        if !cfg.logins.is_empty() {
            let mut records = self
                .sobject("LoginHistory")
                .map(|o| o.records.clone())
                .unwrap_or_default();
            records.extend(cfg.logins.iter().zip(1..).map(|(l, n)| l.record(n)));
            self.add_sobject("LoginHistory", None, records);
        }
        if cfg.login_history_filter_refusals {
            if let Some(o) = self.sobjects.get_mut("loginhistory") {
                o.unfilterable = LOGIN_HISTORY_UNFILTERABLE
                    .iter()
                    .map(|f| f.to_string())
                    .collect();
            }
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
                unfilterable: Vec::new(),
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
