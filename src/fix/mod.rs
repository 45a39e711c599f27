//! `pkce-audit fix`: Salesforce's step 2 (require PKCE on each app) and step 3 (the org
//! setting) as source changes to an SFDX project or an mdapi folder.
//!
//! [`Project::open`] reads the folder with the audit's own walk, parsers and inventory;
//! [`Project::plan_apps`] and [`Project::plan_org_setting`] compute every edit in memory
//! (each verified by parsing it back, see [`edit`]) and name every refusal; [`apply`]
//! writes the files and the step's deploy manifest only when nothing was refused.
//! [`render`] turns a plan into the text and JSON the command prints.

pub mod diff;
pub mod edit;
pub mod manifest;
pub mod order;
pub mod render;
mod resolve;

use crate::inventory::{AppKind, Inventory, Problem};
use crate::metadata::{self, Body, MetadataType, OAUTH_OIDC_MEMBER};
use crate::source::{self, Discovery, Layout, SourceError};
use edit::{Action, Outcome, Target};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("{path}: not an SFDX project (no readable sfdx-project.json) or an mdapi folder (no package.xml); fix edits only a project that deploys")]
    NotAProject { path: PathBuf },
    #[error("{path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path}: changed since fix read it; nothing was written, run fix again")]
    Changed { path: PathBuf },
    #[error("cannot write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("refused: {0} refusal(s); nothing was written")]
    Refused(usize),
}

/// Salesforce's rollout steps that `fix` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Step 2: require PKCE on each app once its client sends it.
    Apps,
    /// Step 3: require PKCE org-wide.
    OrgSetting,
}

impl Step {
    pub fn number(self) -> u8 {
        match self {
            Step::Apps => 2,
            Step::OrgSetting => 3,
        }
    }

    /// The manifest written when `--manifest` does not name one, under the project root.
    pub fn default_manifest(self) -> &'static str {
        match self {
            Step::Apps => "manifest/pkce-step2-apps.xml",
            Step::OrgSetting => "manifest/pkce-step3-org.xml",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Step::Apps => "require PKCE on each app",
            Step::OrgSetting => "require PKCE org-wide (OAuth and OpenID Connect Settings)",
        }
    }
}

/// What a change is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    App { name: String, kind: AppKind },
    OrgSettings,
}

impl Subject {
    pub fn name(&self) -> &str {
        match self {
            Subject::App { name, .. } => name,
            Subject::OrgSettings => OAUTH_OIDC_MEMBER,
        }
    }
}

/// What happened to `isPkceRequired` in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Changed {
        from: String,
    },
    Inserted,
    /// The file did not exist: it holds only this field.
    Created,
}

/// One file to write.
#[derive(Debug, Clone)]
pub struct Change {
    pub subject: Subject,
    /// The component the manifest lists.
    pub component: (MetadataType, String),
    /// Relative to the project root, `/` separated.
    pub file: String,
    pub path: PathBuf,
    /// `None` for a file this change creates.
    pub before: Option<Vec<u8>>,
    pub after: Vec<u8>,
    pub edit: Edit,
    pub line: u32,
}

/// An app (or the org settings) that already requires PKCE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unchanged {
    pub subject: Subject,
    pub file: String,
}

/// Why `fix` will not change something, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub subject: String,
    pub reason: String,
}

/// Step 3 written despite an audit that is not clear, with the reason given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forced {
    pub reason: String,
    /// What the audit still says, one line each.
    pub open: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub step: Step,
    pub root: PathBuf,
    pub layout: Layout,
    pub api_version: String,
    pub changes: Vec<Change>,
    pub unchanged: Vec<Unchanged>,
    pub refusals: Vec<Refusal>,
    pub forced: Option<Forced>,
}

impl Plan {
    fn new(project: &Project, step: Step) -> Self {
        Plan {
            step,
            root: project.root.clone(),
            layout: project.layout,
            api_version: project.api_version.clone(),
            changes: Vec::new(),
            unchanged: Vec::new(),
            refusals: Vec::new(),
            forced: None,
        }
    }

    fn refuse(&mut self, subject: &str, reason: impl Into<String>) {
        self.refusals.push(Refusal {
            subject: subject.to_string(),
            reason: reason.into(),
        });
    }

    /// The manifest text for the changes (`None` when nothing changes).
    pub fn manifest(&self) -> Option<String> {
        if self.changes.is_empty() {
            return None;
        }
        let components: Vec<(&str, String)> = self
            .changes
            .iter()
            .map(|c| manifest::entry(c.component.0, &c.component.1))
            .collect();
        let comment = self.forced.as_ref().map(|f| {
            format!(
                "Step {} forced past an audit that is not clear ({}); reason: {}",
                self.step.number(),
                f.open.len(),
                f.reason
            )
        });
        Some(manifest::package_xml(
            &components,
            &self.api_version,
            comment.as_deref(),
        ))
    }

    /// The manifest path: `given`, else the step's default under the project root.
    pub fn manifest_path(&self, given: Option<&Path>) -> PathBuf {
        given.map_or_else(
            || self.root.join(self.step.default_manifest()),
            Path::to_path_buf,
        )
    }
}

/// A project folder, read once.
#[derive(Debug)]
pub struct Project {
    /// As given.
    pub root: PathBuf,
    pub layout: Layout,
    pub api_version: String,
    discovery: Discovery,
    components: Vec<crate::inventory::Loaded>,
    inventory: Inventory,
    /// Where a new settings file goes: `settings/` of the default package directory.
    settings_dir: PathBuf,
}

impl Project {
    /// Reads the folder with the audit's walk and parsers. Only an SFDX project or an
    /// mdapi folder is a project `fix` edits: a snapshot or a loose folder does not deploy.
    pub fn open(root: &Path) -> Result<Self, FixError> {
        let (collected, discovery) = source::collect(root)?;
        let layout = discovery.layout.unwrap_or(Layout::Folder);
        let canonical = root.canonicalize().map_err(|e| FixError::Read {
            path: root.to_path_buf(),
            reason: e.to_string(),
        })?;
        let (api_version, settings_dir) = match layout {
            Layout::SfdxProject => sfdx_facts(&canonical)?,
            Layout::Mdapi => (mdapi_version(&canonical), canonical.join("settings")),
            Layout::Snapshot | Layout::Folder => {
                return Err(FixError::NotAProject {
                    path: root.to_path_buf(),
                })
            }
        };
        let components = collected.components.clone();
        Ok(Project {
            root: root.to_path_buf(),
            layout,
            api_version: api_version.unwrap_or_else(|| manifest::DEFAULT_API_VERSION.into()),
            discovery,
            components,
            inventory: crate::inventory::build(collected),
            settings_dir,
        })
    }

    fn problems_about(&self, ty: MetadataType, name: &str) -> Vec<&Problem> {
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

    fn source_file(&self, rel: &str) -> Option<&source::SourceFile> {
        self.discovery.files.iter().find(|f| f.rel == rel)
    }

    /// Step 2 for each named app.
    pub fn plan_apps(&self, names: &[String]) -> Plan {
        let mut plan = Plan::new(self, Step::Apps);
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
        plan
    }

    /// Edits one file in memory and records the change, the no-op, or the refusal.
    fn plan_edit(
        &self,
        plan: &mut Plan,
        subject: Subject,
        file: &source::SourceFile,
        component: (MetadataType, String),
        target: &Target<'_>,
    ) {
        let label = subject.name().to_string();
        let before = match read_metadata(&file.path) {
            Ok(b) => b,
            Err(reason) => return plan.refuse(&label, format!("{}: {reason}", file.rel)),
        };
        match edit::require_true(&before, target) {
            Err(e) => plan.refuse(&label, format!("{}: {e}", file.rel)),
            Ok(Outcome::AlreadyTrue) => plan.unchanged.push(Unchanged {
                subject,
                file: file.rel.clone(),
            }),
            Ok(Outcome::Edited {
                bytes,
                action,
                line,
            }) => {
                if let Err(reason) = reads_as_required(&bytes, file) {
                    return plan.refuse(&label, format!("{}: {reason}", file.rel));
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

    /// Step 3. `report` is the audit of this folder with waivers applied; while it has
    /// unwaived blockers, or is incomplete, the step is refused unless `force` gives a
    /// reason.
    pub fn plan_org_setting(&self, report: &crate::report::Report, force: Option<&str>) -> Plan {
        let mut plan = Plan::new(self, Step::OrgSetting);
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
            return plan;
        }
        let open = resolve::open_items(report);
        if !open.is_empty() {
            match force.map(str::trim).filter(|r| !r.is_empty()) {
                Some(reason) => {
                    plan.forced = Some(Forced {
                        reason: reason.to_string(),
                        open,
                    })
                }
                None => {
                    plan.refuse(
                        &subject,
                        format!(
                            "the audit of this folder is not clear: {}; fix them (pkce-audit audit --source {}), waive them, or pass --force --reason \"...\"",
                            open.join("; "),
                            self.root.display()
                        ),
                    );
                    return plan;
                }
            }
        }
        let component = (
            MetadataType::OauthOidcSettings,
            OAUTH_OIDC_MEMBER.to_string(),
        );
        let target = Target {
            path: &[],
            field: "isPkceRequired",
            sequence: order::OAUTH_OIDC_SETTINGS,
        };
        match files.as_slice() {
            [file] => self.plan_edit(&mut plan, Subject::OrgSettings, file, component, &target),
            [] => plan.changes.push(self.new_settings_file(component)),
            _ => plan.refuse(
                &subject,
                "more than one OauthOidc settings file; which one deploys is ambiguous",
            ),
        }
        plan
    }

    /// `settings/OauthOidc.settings[-meta.xml]` holding only `isPkceRequired`.
    fn new_settings_file(&self, component: (MetadataType, String)) -> Change {
        let name = match self.layout {
            Layout::Mdapi => "OauthOidc.settings",
            _ => "OauthOidc.settings-meta.xml",
        };
        let path = self.settings_dir.join(name);
        let canonical_root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        let file = path
            .strip_prefix(&canonical_root)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let text = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OauthOidcSettings xmlns=\"{}\">\n    <isPkceRequired>true</isPkceRequired>\n</OauthOidcSettings>\n",
            crate::xml::METADATA_NS
        );
        Change {
            subject: Subject::OrgSettings,
            component,
            file,
            path,
            before: None,
            after: text.into_bytes(),
            edit: Edit::Created,
            line: 3,
        }
    }
}

/// Reads a metadata file with the walk's bounds.
fn read_metadata(path: &Path) -> Result<Vec<u8>, String> {
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

/// `sourceApiVersion` and the default package directory's settings folder.
fn sfdx_facts(root: &Path) -> Result<(Option<String>, PathBuf), FixError> {
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
    let dir = project
        .package_directories
        .iter()
        .find(|d| d.is_default())
        .or(project.package_directories.first())
        .map_or_else(|| root.to_path_buf(), |d| root.join(&d.path));
    // `sf project retrieve` writes settings to `<dir>/main/default/settings`.
    let base = if dir.join("main/default").is_dir() {
        dir.join("main/default")
    } else {
        dir
    };
    Ok((version, base.join("settings")))
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

/// Writes a plan: every changed file, then the step's manifest at `manifest_path`.
/// Nothing is written when anything was refused or a file changed since it was read.
pub fn apply(plan: &Plan, manifest_path: &Path) -> Result<(), FixError> {
    if !plan.refusals.is_empty() {
        return Err(FixError::Refused(plan.refusals.len()));
    }
    let Some(manifest) = plan.manifest() else {
        return Ok(());
    };
    for c in &plan.changes {
        let now = match std::fs::read(&c.path) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(FixError::Read {
                    path: c.path.clone(),
                    reason: e.to_string(),
                })
            }
        };
        if now != c.before {
            return Err(FixError::Changed {
                path: c.path.clone(),
            });
        }
    }
    for c in &plan.changes {
        // Through a symbolic link (the walk follows those inside the project) to the
        // file itself, so the link stays a link.
        let target = std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone());
        write_atomically(&target, &c.after)?;
    }
    write_atomically(manifest_path, manifest.as_bytes())
}

/// Writes through a temporary file in the same folder and a rename, so a failure
/// leaves the old file whole; an existing file keeps its permissions.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FixError> {
    let err = |reason: String| FixError::Write {
        path: path.to_path_buf(),
        reason,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.pkce-audit-fix.tmp"));
    std::fs::write(&tmp, bytes).map_err(|e| err(e.to_string()))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e.to_string())
    })
}

#[cfg(test)]
mod tests;
