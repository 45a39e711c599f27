//! A project folder read once, and the plans for step 2 and step 3: every edit made
//! in memory and verified, every refusal named.

use super::*;
use crate::metadata::{self, Body, MetadataType, OAUTH_OIDC_MEMBER};
use crate::source::{self, Discovery, Layout};
use pkce_audit_model::inventory::{AppKind, Inventory, Problem};
use pkce_audit_model::rules::Verdict;
use pkce_audit_model::text::escaped;

use edit::{Action, Outcome, Target};
use std::path::{Path, PathBuf};

/// A project folder, read once.
#[derive(Debug)]
pub struct Project {
    /// As given.
    pub root: PathBuf,
    pub layout: Layout,
    pub api_version: String,
    pub(super) discovery: Discovery,
    pub(super) components: Vec<pkce_audit_model::inventory::Loaded>,
    /// What the walk collected, as it collected it: step 3's gate audits exactly this
    /// read ([`Project::audit`]), never a second walk that could see another state.
    collected: pkce_audit_model::inventory::Collected,
    pub(super) inventory: Inventory,
    /// Where a new settings file goes: `settings/` of the default package directory.
    settings_dir: PathBuf,
    /// The default package directory as sfdx-project.json names it (for messages).
    default_package: Option<String>,
}

impl Project {
    /// Reads the folder with the audit's walk and parsers. Only an SFDX project or an
    /// mdapi folder is a project `fix` edits: a snapshot or a loose folder does not deploy.
    pub fn open(root: &Path) -> Result<Self, FixError> {
        let (collected, discovery) = source::collect(root)?;
        let layout = discovery.layout.clone().unwrap_or(Layout::Folder);
        let canonical = root.canonicalize().map_err(|e| FixError::Read {
            path: root.to_path_buf(),
            reason: e.to_string(),
        })?;
        let (api_version, settings_dir, default_package) = match layout {
            Layout::SfdxProject => sfdx_facts(&canonical)?,
            Layout::Mdapi => (mdapi_version(&canonical), canonical.join("settings"), None),
            Layout::Snapshot => {
                return Err(FixError::Snapshot {
                    path: root.to_path_buf(),
                })
            }
            // `Other` only comes from a report read back, never from a walk.
            Layout::Folder | Layout::Other(_) => {
                return Err(FixError::NotAProject {
                    path: root.to_path_buf(),
                })
            }
        };
        let components = collected.components.clone();
        let walked = collected.clone();
        Ok(Project {
            root: root.to_path_buf(),
            layout,
            api_version: api_version.unwrap_or_else(|| manifest::DEFAULT_API_VERSION.into()),
            discovery,
            components,
            collected: walked,
            inventory: pkce_audit_model::inventory::build(collected),
            settings_dir,
            default_package,
        })
    }

    /// The audit of what [`Project::open`] read, with `complete` adding to it first (what
    /// step 3 read from the org, [`org::complete`]): the gate of step 3 judges the same
    /// read the plan edits.
    pub fn audit(
        &self,
        opts: &crate::AuditOptions,
        complete: impl FnOnce(&mut crate::inventory::Collected),
    ) -> crate::report::Report {
        let mut collected = self.collected.clone();
        complete(&mut collected);
        crate::audit_collected(&self.root, collected, &self.discovery, opts).1
    }

    /// The file's bytes as `fix` re-reads them to edit, checked to be what the walk read
    /// (the same component, parsed the same way): the gate and the edit see one state.
    pub(super) fn as_walked(&self, file: &source::SourceFile, bytes: &[u8]) -> Result<(), String> {
        let walked = self
            .components
            .iter()
            .find(|l| l.file.as_deref() == Some(file.rel.as_str()))
            .map(|l| &l.component);
        let now = crate::xml::parse(bytes).ok().and_then(|mut root| {
            metadata::strip_secrets(&mut root);
            metadata::parse_component(&root, Some(file.ty), &file.full_name).ok()
        });
        match (walked, now) {
            (Some(w), Some(n)) if *w == n => Ok(()),
            _ => Err("changed since the audit read it; nothing was written, run fix again".into()),
        }
    }

    /// Why `change` may not be written, as its refusal says it: a link names the file to
    /// edit instead; a settings file outside the project names the package directory.
    pub(super) fn write_refusal(
        &self,
        change: &Change,
        e: crate::safe_write::WriteError,
    ) -> String {
        use crate::safe_write::WriteError;
        match (&e, &self.default_package) {
            // A file this run creates: the settings file, in the default package directory.
            (WriteError::OutsideRoot { .. }, Some(dir)) if change.before.is_none() => format!(
                "{}: the default package directory '{}' of sfdx-project.json lies outside the project, and fix never writes outside it (not even with --force); the audit does not read it either",
                escaped(&change.file),
                escaped(dir)
            ),
            _ => e.to_string(),
        }
    }

    pub(super) fn problems_about(&self, ty: MetadataType, name: &str) -> Vec<&Problem> {
        let component = format!("{ty} {name}");
        self.inventory
            .problems
            .iter()
            .filter(|p| {
                p.component
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(&component))
            })
            .collect()
    }

    pub(super) fn source_file(&self, rel: &str) -> Option<&source::SourceFile> {
        self.discovery.files.iter().find(|f| f.rel == rel)
    }

    /// Step 2 for each named app, its manifest at `manifest` (else the step's default).
    pub fn plan_apps(&self, names: &[String], manifest: Option<&Path>) -> Result<Plan, FixError> {
        let mut plan = Draft::new(Step::Apps);
        let mut seen: Vec<&str> = Vec::new();
        for name in names {
            // API names ignore case: the same app named twice is planned once.
            if seen.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                continue;
            }
            seen.push(name);
            match resolve::app(self, name) {
                Err(reason) => plan.refuse(name, reason),
                Ok(found) => {
                    let subject = Subject::App {
                        name: found.name.clone(),
                        kind: found.kind.clone(),
                    };
                    let target = match found.kind {
                        AppKind::ConnectedApp => Target {
                            path: &["oauthConfig"],
                            field: "isPkceRequired",
                            sequence: order::CONNECTED_APP_OAUTH_CONFIG,
                        },
                        _ => Target {
                            path: &[],
                            field: "isPkceRequired",
                            sequence: order::EXTL_CLNT_APP_GLOBAL_OAUTH_SETTINGS,
                        },
                    };
                    self.plan_edit(&mut plan, subject, found.file, found.component, &target);
                }
            }
        }
        plan.finish(self, manifest)
    }

    /// Edits one file in memory and records the change, the no-op, or the refusal.
    fn plan_edit(
        &self,
        plan: &mut Draft,
        subject: Subject,
        file: &source::SourceFile,
        component: (MetadataType, String),
        target: &Target<'_>,
    ) {
        let label = subject.name().to_string();
        let shown = escaped(&file.rel);
        // The name goes into the deploy manifest: only an API name may.
        if let Some(why) = api_name::problem(&component.1) {
            return plan.refuse(
                &label,
                format!(
                    "{shown}: the name '{}' {why}, so it is not a Salesforce API name; fix does not put it in a deploy manifest (rename the file to the component's API name)",
                    escaped(&component.1)
                ),
            );
        }
        let before = match read_metadata(&file.path).and_then(|b| {
            self.as_walked(file, &b)?;
            Ok(b)
        }) {
            Ok(b) => b,
            Err(reason) => return plan.refuse(&label, format!("{shown}: {reason}")),
        };
        match edit::require_true(&before, target) {
            Err(e) => plan.refuse(&label, format!("{shown}: {e}")),
            Ok(Outcome::AlreadySet) => plan.unchanged.push(Unchanged {
                subject,
                component,
                file: file.rel.clone(),
            }),
            Ok(Outcome::Edited {
                bytes,
                action,
                line,
            }) => {
                if let Err(reason) = reads_as_required(&bytes, file) {
                    return plan.refuse(&label, format!("{shown}: {reason}"));
                }
                plan.changes.push(Change {
                    subject,
                    component,
                    file: file.rel.clone(),
                    path: file.path.clone(),
                    before: Some(before),
                    after: bytes,
                    edit: match action {
                        Action::Changed { from } => Edit::Changed { from },
                        Action::Inserted => Edit::Inserted,
                    },
                    line,
                });
            }
        }
    }

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
        let mut plan = Draft::new(Step::OrgSetting);
        let subject = Subject::OrgSettings.name().to_string();
        let problems = self.problems_about(MetadataType::OauthOidcSettings, OAUTH_OIDC_MEMBER);
        let files: Vec<&source::SourceFile> = self
            .discovery
            .files
            .iter()
            .filter(|f| f.ty == MetadataType::OauthOidcSettings)
            .collect();
        let blocking: Vec<&&Problem> = problems
            .iter()
            .filter(|p| p.reason != source::SETTINGS_NOT_FOUND)
            .collect();
        if let Some(p) = blocking.first() {
            plan.refuse(&subject, p.to_string());
            return plan.finish(self, manifest);
        }
        if let Some(why) = self.settings_ignored() {
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
                plan.refuse(
                    &subject,
                    "more than one OauthOidc settings file; which one deploys is ambiguous",
                );
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
                            "; not in the project: {}, which -o/--target-org <alias> (or --instance-url, --auth-url-file) reads from the org",
                            needs.describe()
                        ),
                        _ => String::new(),
                    };
                    plan.refuse(
                        &subject,
                        format!(
                            "the audit of this folder {}: {}{missing}; fix them (pkce-audit audit --source {}), waive them, or pass --force --reason \"...\"",
                            judged(verdict, !files.is_empty(), org_pkce),
                            open.join("; "),
                            escaped(&self.root.display().to_string())
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
                            "{} sets field(s) besides isPkceRequired to values the org does not have, and a deploy sets every field the file names (a stale file would re-allow a flow the org blocks): {}; bring the file up to date (sf project retrieve start --metadata Settings:OauthOidc) or pass --force --reason \"...\"",
                            escaped(file),
                            stale.join("; ")
                        ),
                    );
                }
            }
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
        if let Err(reason) = reads_as_required(&after, file) {
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
    fn settings_ignored(&self) -> Option<String> {
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
        Some(format!(
            "the settings file {rel} {verb} excluded by .forceignore ({line}), so a deploy skips it: remove or narrow that line and run fix again, or turn the setting on in Setup (OAuth and OpenID Connect Settings)"
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

/// Reads a metadata file with the walk's bounds.
pub(super) fn read_metadata(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot be read: {e}"))?;
    if !meta.is_file() || meta.len() > source::MAX_FILE_BYTES {
        return Err("is not a regular file within the size limit".into());
    }
    std::fs::read(path).map_err(|e| format!("cannot be read: {e}"))
}

/// The edited file, read by the audit's own parser, requires PKCE: what the next audit
/// will see.
fn reads_as_required(bytes: &[u8], file: &source::SourceFile) -> Result<(), String> {
    let root = crate::xml::parse(bytes).map_err(|e| e.to_string())?;
    let c = metadata::parse_component(&root, Some(file.ty), &file.full_name)
        .map_err(|e| e.to_string())?;
    let pkce = match &c.body {
        Body::ConnectedApp(ca) => ca.oauth.as_ref().and_then(|o| o.is_pkce_required.clone()),
        Body::EcaGlobalOauth(g) => g.is_pkce_required.clone(),
        Body::OauthOidc(s) => s.is_pkce_required.clone(),
        _ => None,
    };
    match pkce {
        Some(p) if p.value => Ok(()),
        _ => Err("the edited file does not read as requiring PKCE; not written".into()),
    }
}

/// `sourceApiVersion`, the default package directory's settings folder, and that
/// directory as written.
fn sfdx_facts(root: &Path) -> Result<(Option<String>, PathBuf, Option<String>), FixError> {
    let file = root.join("sfdx-project.json");
    let text = source::read_text(&file, source::MAX_FILE_BYTES)
        .map_err(|reason| FixError::Read {
            path: file.clone(),
            reason,
        })?
        .unwrap_or_default();
    let project = source::parse_project(&text).map_err(|e| FixError::Read {
        path: file,
        reason: e.to_string(),
    })?;
    let version = project.api_version().filter(|v| manifest::valid_version(v));
    let default = project
        .package_directories
        .iter()
        .find(|d| d.is_default())
        .or(project.package_directories.first());
    // Joined, not resolved: `../x` or an absolute path stays outside the root, where the
    // write's check refuses it.
    let dir = default.map_or_else(|| root.to_path_buf(), |d| root.join(&d.path));
    // `sf project retrieve` writes settings to `<dir>/main/default/settings`.
    let base = if dir.join("main/default").is_dir() {
        dir.join("main/default")
    } else {
        dir
    };
    Ok((
        version,
        base.join("settings"),
        default.map(|d| d.path.clone()),
    ))
}

/// `<version>` of an mdapi folder's package.xml.
fn mdapi_version(root: &Path) -> Option<String> {
    let bytes = read_metadata(&root.join("package.xml")).ok()?;
    let pkg = crate::xml::parse(&bytes).ok()?;
    pkg.child_text("version")
        .map(str::trim)
        .filter(|v| manifest::valid_version(v))
        .map(String::from)
}
