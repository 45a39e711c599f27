//! Step 3: the plan that requires PKCE org-wide in the OAuth and OpenID Connect Settings
//! file, behind its gate (the audit's open items, the org's values of every other field
//! the file names), every edit made in memory and verified, every refusal named.

use super::project::{read_metadata, reads_as};
use super::*;
use crate::metadata::{MetadataType, OAUTH_OIDC_MEMBER};
use crate::source::{self, Layout};
use edit::{Action, Outcome, Target};
use pkce_audit_model::inventory::Problem;
use pkce_audit_model::rules::Verdict;
use pkce_audit_model::text::escaped;
use std::path::Path;

impl Project {
    /// What the project does not hold that only the org can tell step 3.
    pub fn needs(&self) -> org::Needs {
        org::Needs {
            settings: !self
                .discovery
                .files
                .iter()
                .any(|f| f.ty == MetadataType::OauthOidcSettings),
            eca_globals: org::eca_without_globals(&self.components),
        }
    }

    /// The project's OauthOidc settings files (one, or none, unless the project is odd).
    fn settings_files(&self) -> Vec<&source::SourceFile> {
        self.discovery
            .files
            .iter()
            .filter(|f| f.ty == MetadataType::OauthOidcSettings)
            .collect()
    }

    /// A problem of reading the settings that stops either direction of step 3 (a file
    /// that is simply absent does not).
    fn settings_problem(&self) -> Option<&Problem> {
        self.problems_about(MetadataType::OauthOidcSettings, OAUTH_OIDC_MEMBER)
            .into_iter()
            .find(|p| p.kind != pkce_audit_model::inventory::ProblemKind::SettingsNotFound)
    }

    /// Whether the project holds any app (a Connected App, an External Client App or its
    /// global OAuth settings): without one, nothing shows the org's apps are ready.
    fn holds_apps(&self) -> bool {
        self.discovery.files.iter().any(|f| {
            matches!(
                f.ty,
                MetadataType::ConnectedApp
                    | MetadataType::ExternalClientApplication
                    | MetadataType::ExtlClntAppGlobalOauthSettings
            )
        })
    }

    /// Step 3. `report` is the audit of this folder ([`Project::audit`]) with waivers
    /// applied, completed with what `org` read ([`org::complete`]). The gate is the
    /// audit's open items (every unwaived blocker, every unknown PKCE setting, everything
    /// unread), whatever its verdict word: `enforced` because the project's own settings
    /// file requires PKCE says nothing of the org's apps. A project without any app is an
    /// open item too. With `org`, the org's settings are read and every other field the
    /// settings file names must hold the org's value, else the step is refused too.
    /// `force` (a reason) overrides both and records every open item. Every waived
    /// blocker is named. The manifest goes to `manifest`, else the step's default.
    pub fn plan_org_setting(
        &self,
        report: &pkce_audit_model::report::Report,
        org: Option<&org::OrgRead>,
        force: Option<&str>,
        manifest: Option<&Path>,
    ) -> Result<Plan, FixError> {
        let mut plan = Draft::new(Step::OrgSetting, Direction::Require);
        let subject = Subject::OrgSettings.name().to_string();
        let files = self.settings_files();
        if let Some(p) = self.settings_problem() {
            plan.refuse(&subject, p.to_string());
            return plan.finish(self, manifest);
        }
        if let Some(why) = self.settings_ignored(Direction::Require) {
            plan.refuse(&subject, why);
            return plan.finish(self, manifest);
        }
        let needs = self.needs();
        // With a connection the org's settings come first: unread, nothing is compared.
        let org_fields = match org.map(|o| (o, &o.settings)) {
            None => None,
            Some((_, Ok(fields))) => Some(fields.as_slice()),
            Some((o, Err(why))) => {
                plan.refuse(
                    &subject,
                    format!(
                        "the org's OAuth and OpenID Connect settings could not be read from {}: {why}; with a connection, step 3 compares them with the project before it writes",
                        o.instance_url
                    ),
                );
                return plan.finish(self, manifest);
            }
        };
        // The org's own isPkceRequired is the one that counts, not the file's.
        let org_pkce = org_fields.map(|f| org_value(f, PKCE_FIELD) == Some(true));
        plan.org = org.map(|o| OrgUsed {
            instance_url: o.instance_url.clone(),
            target_org: o.target_org.clone(),
            taken: o.taken(&needs),
            pkce_required: org_pkce,
        });
        let verdict = report.verdict();
        let mut open = report.open_items();
        if open.is_empty() && matches!(verdict, Verdict::NotReady | Verdict::Incomplete) {
            open.push(report.verdict_reason.clone());
        }
        if !self.holds_apps() {
            open.push(NO_APPS.to_string());
        }
        plan.waived = waived_blockers(report);
        let component = (
            MetadataType::OauthOidcSettings,
            OAUTH_OIDC_MEMBER.to_string(),
        );
        let stale = match files.as_slice() {
            [file] => self.plan_settings_edit(&mut plan, file, component, org_fields),
            [] => {
                let change = self.new_settings_file(component, org_fields);
                plan.settings = created_fields(org_fields);
                plan.changes.push(change);
                Vec::new()
            }
            _ => {
                plan.refuse(&subject, TWO_SETTINGS_FILES);
                Vec::new()
            }
        };
        if !plan.refusals.is_empty() || (open.is_empty() && stale.is_empty()) {
            return plan.finish(self, manifest);
        }
        match force.map(str::trim).filter(|r| !r.is_empty()) {
            Some(reason) => {
                open.extend(stale);
                plan.forced = Some(Forced {
                    reason: reason.to_string(),
                    open,
                });
            }
            None => {
                if !open.is_empty() {
                    let missing = match org {
                        None if !needs.is_empty() => format!(
                            "; not in the project: {}, which {} reads from the org",
                            needs.describe(),
                            Advice::ConnectOrg
                        ),
                        _ => String::new(),
                    };
                    plan.refuse(
                        &subject,
                        format!(
                            "the audit of this folder {}: {}{missing}; fix them ({}), waive them, or {}",
                            judged(verdict, !files.is_empty(), org_pkce),
                            open.join("; "),
                            Advice::AuditFolder {
                                root: escaped(&self.root.display().to_string()).into_owned()
                            },
                            Advice::Force
                        ),
                    );
                }
                if !stale.is_empty() {
                    let file = files
                        .first()
                        .map_or("the settings file", |f| f.rel.as_str());
                    plan.refuse(
                        &subject,
                        format!(
                            "{} sets field(s) besides isPkceRequired to values the org does not have, and a deploy sets every field the file names (a stale file would re-allow a flow the org blocks): {}; bring the file up to date (sf project retrieve start --metadata Settings:OauthOidc) or {}",
                            escaped(file),
                            stale.join("; "),
                            Advice::Force
                        ),
                    );
                }
            }
        }
        plan.finish(self, manifest)
    }

    /// The rollback of step 3 (`fix --org-setting --undo`): `isPkceRequired` false in the
    /// project's settings file, with each other field it names listed (a deploy sets them
    /// all). Never gated by the audit and no org read: a rollback must work while the org
    /// is broken. Without the settings file in the project it is refused: creating one
    /// from nothing would set the other fields to values nobody read.
    pub fn plan_org_setting_undo(&self, manifest: Option<&Path>) -> Result<Plan, FixError> {
        let mut plan = Draft::new(Step::OrgSetting, Direction::Undo);
        let subject = Subject::OrgSettings.name().to_string();
        if let Some(p) = self.settings_problem() {
            plan.refuse(&subject, p.to_string());
            return plan.finish(self, manifest);
        }
        if let Some(why) = self.settings_ignored(Direction::Undo) {
            plan.refuse(&subject, why);
            return plan.finish(self, manifest);
        }
        let file = match self.settings_files().as_slice() {
            [file] => *file,
            [] => {
                plan.refuse(&subject, RETRIEVE_FIRST);
                return plan.finish(self, manifest);
            }
            _ => {
                plan.refuse(&subject, TWO_SETTINGS_FILES);
                return plan.finish(self, manifest);
            }
        };
        let component = (
            MetadataType::OauthOidcSettings,
            OAUTH_OIDC_MEMBER.to_string(),
        );
        self.plan_edit(
            &mut plan,
            Subject::OrgSettings,
            file,
            component,
            &settings_target(PKCE_FIELD),
        );
        // The fields the deploy sets besides isPkceRequired, from the bytes edited.
        let edited = plan.changes.first().and_then(|c| c.before.clone());
        let listed = plan.unchanged.first().is_some_and(|u| u.named);
        if let Some(bytes) =
            edited.or_else(|| listed.then(|| read_metadata(&file.path).ok()).flatten())
        {
            let fields = file_fields(&bytes).unwrap_or_default();
            plan.settings = fields
                .into_iter()
                .filter(|(n, _)| n != PKCE_FIELD)
                .map(|(name, value)| SettingsField {
                    name,
                    value,
                    org: None,
                    from_org: false,
                })
                .collect();
            plan.settings.sort_by_key(|f| f.name.to_ascii_lowercase());
        }
        plan.finish(self, manifest)
    }

    /// Step 3 on the project's settings file: `isPkceRequired` set, each other field
    /// listed with the value the deploy sets and compared with `org` (the differences are
    /// returned, one line each), and each flow the org blocks that the file does not name
    /// written with the org's value, whether or not the file already requires PKCE. A
    /// file that already requires PKCE and names every blocked flow is left as it is.
    fn plan_settings_edit(
        &self,
        plan: &mut Draft,
        file: &source::SourceFile,
        component: (MetadataType, String),
        org: Option<&[(String, bool)]>,
    ) -> Vec<String> {
        let label = Subject::OrgSettings.name();
        let shown = escaped(&file.rel).into_owned();
        let refuse = |plan: &mut Draft, why: String| plan.refuse(label, format!("{shown}: {why}"));
        let before = match read_metadata(&file.path).and_then(|b| {
            self.as_walked(file, &b)?;
            Ok(b)
        }) {
            Ok(b) => b,
            Err(reason) => {
                refuse(plan, reason);
                return Vec::new();
            }
        };
        let named = match file_fields(&before) {
            Ok(f) => f,
            Err(reason) => {
                refuse(plan, reason);
                return Vec::new();
            }
        };
        let mut stale = Vec::new();
        for (name, value) in named.iter().filter(|(n, _)| n != PKCE_FIELD) {
            let org_value = org.map(|fields| org_value(fields, name));
            if let Some(theirs) = org_value {
                if theirs != as_bool(value) {
                    stale.push(format!(
                        "{name} (the file sets {value}, the org has {})",
                        theirs.map_or_else(|| "no value".to_string(), |b| b.to_string())
                    ));
                }
            }
            plan.settings.push(SettingsField {
                name: name.clone(),
                value: value.clone(),
                org: org_value.flatten().map(|b| b.to_string()),
                from_org: false,
            });
        }
        let pins: Vec<&(String, bool)> = org
            .unwrap_or_default()
            .iter()
            .filter(|(n, v)| blocks_flow(n, *v) && !named.iter().any(|(f, _)| f == n))
            .collect();
        let already = match edit::require_true(&before, &settings_target(PKCE_FIELD)) {
            Err(e) => {
                refuse(plan, e.to_string());
                return stale;
            }
            Ok(outcome) => matches!(outcome, Outcome::AlreadySet),
        };
        // The pins first, then isPkceRequired, so its line is the final one (a file that
        // already requires PKCE: the last pin's line).
        let mut bytes = before.clone();
        let mut pinned_line = None;
        for (name, value) in &pins {
            match edit::set_bool(&bytes, &settings_target(name), *value) {
                Ok(Outcome::Edited { bytes: b, line, .. }) => {
                    bytes = b;
                    pinned_line = Some(line);
                }
                Ok(Outcome::AlreadySet) => {}
                Err(e) => return refuse_and(plan, &shown, e, stale),
            }
            plan.settings.push(SettingsField {
                name: name.clone(),
                value: value.to_string(),
                org: Some(value.to_string()),
                from_org: true,
            });
        }
        plan.settings.sort_by_key(|f| f.name.to_ascii_lowercase());
        let (after, edit, line) = match edit::require_true(&bytes, &settings_target(PKCE_FIELD)) {
            Ok(Outcome::Edited {
                bytes: after,
                action,
                line,
            }) if !already => (
                after,
                match action {
                    Action::Changed { from } => Edit::Changed { from },
                    Action::Inserted => Edit::Inserted,
                },
                line,
            ),
            Ok(Outcome::AlreadySet) if already => match pinned_line {
                Some(line) => (bytes, Edit::Pinned { fields: pins.len() }, line),
                None => {
                    plan.unchanged.push(Unchanged {
                        subject: Subject::OrgSettings,
                        component,
                        file: file.rel.clone(),
                        named: true,
                    });
                    return stale;
                }
            },
            Ok(_) => {
                refuse(
                    plan,
                    "isPkceRequired read differently once the other fields were written; not written".into(),
                );
                return stale;
            }
            Err(e) => {
                refuse(plan, e.to_string());
                return stale;
            }
        };
        if let Err(reason) = reads_as(&after, file, true) {
            refuse(plan, reason);
            return stale;
        }
        plan.changes.push(Change {
            subject: Subject::OrgSettings,
            component,
            file: file.rel.clone(),
            path: file.path.clone(),
            before: Some(before),
            after,
            edit,
            line,
        });
        stale
    }

    /// Why the org settings would not deploy: their file (existing, or the one step 3
    /// would create) is excluded by `.forceignore`, naming the line. A deploy skips
    /// such a file, and an existing one is not read, so step 3 cannot be written there.
    fn settings_ignored(&self, direction: Direction) -> Option<String> {
        let root = &self.discovery.root;
        let existing = self.discovery.ignored_metadata.iter().find(|rel| {
            let name = rel.rsplit('/').next().unwrap_or(rel);
            source::classify(name).is_some_and(|(ty, _)| ty == MetadataType::OauthOidcSettings)
        });
        let (rel, path) = match existing {
            Some(rel) => (rel.clone(), root.join(rel)),
            None => {
                let new = self.new_settings_file(
                    (
                        MetadataType::OauthOidcSettings,
                        OAUTH_OIDC_MEMBER.to_string(),
                    ),
                    None,
                );
                (new.file, new.path)
            }
        };
        let line = source::forceignore_line(root, &path)?;
        let verb = if existing.is_some() { "is" } else { "would be" };
        let on = match direction {
            Direction::Require => "on",
            Direction::Undo => "off",
        };
        Some(format!(
            "the settings file {rel} {verb} excluded by .forceignore ({line}), so a deploy skips it: remove or narrow that line and run fix again, or turn the setting {on} in Setup (OAuth and OpenID Connect Settings)"
        ))
    }

    /// `settings/OauthOidc.settings[-meta.xml]` holding `isPkceRequired` and every other
    /// field `org` gave, with the org's value, in schema order; only `isPkceRequired`
    /// without `org`.
    fn new_settings_file(
        &self,
        component: (MetadataType, String),
        org: Option<&[(String, bool)]>,
    ) -> Change {
        let name = match self.layout {
            Layout::Mdapi => "OauthOidc.settings",
            _ => "OauthOidc.settings-meta.xml",
        };
        let path = self.settings_dir.join(name);
        let canonical_root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        let file = slashed(path.strip_prefix(&canonical_root).unwrap_or(&path));
        let mut fields: Vec<(String, bool)> = org
            .unwrap_or_default()
            .iter()
            .filter(|(n, _)| n != PKCE_FIELD)
            .cloned()
            .collect();
        fields.push((PKCE_FIELD.to_string(), true));
        order::OAUTH_OIDC_SETTINGS.sort(&mut fields, |(n, _)| n.as_str());
        let at = fields
            .iter()
            .position(|(n, _)| n == PKCE_FIELD)
            .expect("pushed above");
        let body: String = fields
            .iter()
            .map(|(n, v)| format!("    <{n}>{v}</{n}>\n"))
            .collect();
        let text = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OauthOidcSettings xmlns=\"{}\">\n{body}</OauthOidcSettings>\n",
            crate::xml::METADATA_NS
        );
        Change {
            subject: Subject::OrgSettings,
            component,
            file,
            path,
            before: None,
            after: text.into_bytes(),
            edit: Edit::Created {
                others: fields.len() - 1,
            },
            line: 3 + at as u32,
        }
    }
}

/// The field step 3 sets.
const PKCE_FIELD: &str = "isPkceRequired";

const TWO_SETTINGS_FILES: &str =
    "more than one OauthOidc settings file; which one deploys is ambiguous";

/// The rollback of step 3 edits the project's settings file and never writes one from
/// nothing: the other fields would then be set to values nobody read.
pub const RETRIEVE_FIRST: &str = "the project holds no OAuth and OpenID Connect settings file to roll back; retrieve it first (sf project retrieve start --metadata Settings:OauthOidc --target-org YOUR_ORG_ALIAS) and run fix --org-setting --undo again";

/// A field of the org settings, for an edit.
fn settings_target(field: &str) -> Target<'_> {
    Target {
        path: &[],
        field,
        sequence: order::OAUTH_OIDC_SETTINGS,
    }
}

/// Records a refusal for an edit that failed and returns `stale` unchanged.
fn refuse_and(plan: &mut Draft, file: &str, e: edit::EditError, stale: Vec<String>) -> Vec<String> {
    plan.refuse(Subject::OrgSettings.name(), format!("{file}: {e}"));
    stale
}

/// A path with `/` between its parts, as messages show them; an absolute path keeps its
/// one leading `/` (its root is not a part joined with `/`).
pub(super) fn slashed(p: &Path) -> String {
    let parts: Vec<String> = p
        .components()
        .map(|c| match c {
            std::path::Component::RootDir => String::new(),
            c => c.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    match parts.as_slice() {
        [root] if root.is_empty() => "/".into(),
        _ => parts.join("/"),
    }
}

/// Step 3's open item for a project without any app.
pub const NO_APPS: &str = "the project holds no Connected App or External Client App: nothing shows the org's apps are ready; audit the org (`pkce-audit audit -o ALIAS`) first";

/// What the audit says, for step 3's refusal: its verdict word, and why `enforced` or
/// `ready` does not open the gate.
fn judged(verdict: Verdict, has_file: bool, org_pkce: Option<bool>) -> String {
    match verdict {
        Verdict::NotReady | Verdict::Incomplete => format!("says {verdict}, not ready"),
        Verdict::Enforced if has_file => format!(
            "says enforced only because its own settings file requires PKCE ({}), not ready",
            match org_pkce {
                Some(false) => "the org's isPkceRequired, the one that counts, is false",
                Some(true) => "the org requires it too",
                None => "the org was not read",
            }
        ),
        Verdict::Enforced => "says enforced (the org requires PKCE), not ready".into(),
        Verdict::Ready => "says ready, but step 3 waits for".into(),
    }
}

/// The blockers a waiver took out of the gate, with the waiver file; `None` when none
/// was waived.
fn waived_blockers(report: &crate::report::Report) -> Option<WaivedBlockers> {
    let blockers: Vec<WaivedBlocker> = report
        .findings
        .iter()
        .filter(|f| f.blocker)
        .filter_map(|f| {
            let w = f.waived.as_ref()?;
            Some(WaivedBlocker {
                rule: f.rule.to_string(),
                app: f.app.clone(),
                reason: w.reason.clone(),
                approved_by: w.approved_by.clone(),
                expires: w.expires.clone(),
            })
        })
        .collect();
    (!blockers.is_empty()).then(|| WaivedBlockers {
        file: report
            .scope
            .waiver_file()
            .map_or_else(|| "(unnamed waiver file)".into(), |w| w.file.clone()),
        blockers,
    })
}

/// Whether an org settings field, at this value, blocks an OAuth flow: the `block*`
/// fields when `true`, `oAuthCdCrdtFlowEnable` ("enabled (true) or blocked (false)",
/// salesforce-api.md §3) when `false`.
fn blocks_flow(field: &str, value: bool) -> bool {
    match field {
        "blockOAuthUnPwFlow" | "blockOAuthUsrAgtFlow" => value,
        "oAuthCdCrdtFlowEnable" => !value,
        _ => false,
    }
}

/// `true`/`1` and `false`/`0`, as `xsd:boolean` writes them; `None` for anything else.
fn as_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// The org's value of `field`: as the org gave it, else the documented default (`false`,
/// salesforce-api.md §3) for a field of the schema; `None` for a field the org did not
/// name and the schema does not know.
fn org_value(org: &[(String, bool)], field: &str) -> Option<bool> {
    org.iter()
        .find(|(n, _)| n == field)
        .map(|(_, v)| *v)
        .or_else(|| {
            order::OAUTH_OIDC_SETTINGS
                .elements
                .contains(&field)
                .then_some(false)
        })
}

/// The other fields of a settings file step 3 creates: the org's, each written from it.
fn created_fields(org: Option<&[(String, bool)]>) -> Vec<SettingsField> {
    let mut fields: Vec<SettingsField> = org
        .unwrap_or_default()
        .iter()
        .filter(|(n, _)| n != PKCE_FIELD)
        .map(|(n, v)| SettingsField {
            name: n.clone(),
            value: v.to_string(),
            org: Some(v.to_string()),
            from_org: true,
        })
        .collect();
    fields.sort_by_key(|f| f.name.to_ascii_lowercase());
    fields
}

/// Each field a settings file names (its `fullName` aside), with its text (`nil` for
/// `xsi:nil`), in file order.
fn file_fields(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let root = crate::xml::parse(bytes).map_err(|e| e.to_string())?;
    Ok(root
        .children
        .iter()
        .filter(|c| c.name != "fullName")
        .map(|c| {
            let value = if c.is_nil() {
                "nil".to_string()
            } else {
                c.text.trim().to_string()
            };
            (c.name.clone(), value)
        })
        .collect())
}
