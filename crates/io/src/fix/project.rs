//! A project folder read once, and the plan for step 2 (step 3's is in
//! [`org_setting`](super::org_setting)): every edit made in memory and verified, every
//! refusal named.

use super::*;
use crate::metadata::{self, Body, MetadataType};
use crate::source::{self, Discovery, Layout};
use pkce_audit_model::inventory::{AppKind, Inventory, Problem};
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
    pub(super) collected: pkce_audit_model::inventory::Collected,
    pub(super) inventory: Inventory,
    /// Where a new settings file goes: `settings/` of the default package directory.
    pub(super) settings_dir: PathBuf,
    /// The default package directory as sfdx-project.json names it (for messages).
    pub(super) default_package: Option<String>,
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
        let (api_version, settings_dir, default_package) = match layout {
            Layout::SfdxProject => sfdx_facts(&canonical)?,
            Layout::Mdapi => (mdapi_version(&canonical), canonical.join("settings"), None),
            Layout::Snapshot => {
                return Err(FixError::Snapshot {
                    path: root.to_path_buf(),
                })
            }
            Layout::Folder => {
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
                "{}: the default package directory '{}' of sfdx-project.json lies outside the project, and fix never writes outside it ({}); the audit does not read it either",
                escaped(&change.file),
                escaped(dir),
                Advice::NotEvenForced
            ),
            _ => e.to_string(),
        }
    }

    pub(super) fn problems_about(&self, ty: MetadataType, name: &str) -> Vec<&Problem> {
        self.inventory
            .problems
            .iter()
            .filter(|p| {
                p.component
                    .as_ref()
                    .is_some_and(|c| c.is_component(ty, name))
            })
            .collect()
    }

    pub(super) fn source_file(&self, rel: &str) -> Option<&source::SourceFile> {
        self.discovery.files.iter().find(|f| f.rel == rel)
    }

    /// Step 2 for each named app (or, [`Direction::Undo`], its rollback), its manifest at
    /// `manifest` (else the default of the step or its rollback). Neither is gated by the
    /// audit: a rollback must work while the org is broken.
    pub fn plan_apps(
        &self,
        names: &[String],
        direction: Direction,
        manifest: Option<&Path>,
    ) -> Result<Plan, FixError> {
        let mut plan = Draft::new(Step::Apps, direction);
        let mut seen: Vec<&str> = Vec::new();
        for name in names {
            // API names ignore case: the same app named twice is planned once.
            if seen.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                continue;
            }
            seen.push(name);
            match resolve::app(self, name, direction) {
                Err(reason) => plan.refuse(name, reason),
                Ok(found) => {
                    let subject = Subject::App {
                        name: found.name.clone(),
                        kind: found.kind,
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

    /// Edits one file in memory (`isPkceRequired` to the plan's direction's value) and
    /// records the change, the no-op, or the refusal.
    pub(super) fn plan_edit(
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
        let outcome = match (plan.direction, file.ty) {
            (Direction::Require, _) => edit::require_true(&before, target).map(Some),
            // An External Client App's global settings without the element require PKCE
            // (its documented default is true: reference §2.3): the way back writes false.
            (Direction::Undo, MetadataType::ExtlClntAppGlobalOauthSettings) => {
                edit::set_bool(&before, target, false).map(Some)
            }
            (Direction::Undo, _) => edit::undo(&before, target),
        };
        // `None`: a rollback of a file that does not name the element.
        let named = matches!(outcome, Ok(Some(_)));
        match outcome {
            Err(e) => plan.refuse(&label, format!("{shown}: {e}")),
            Ok(None | Some(Outcome::AlreadySet)) => plan.unchanged.push(Unchanged {
                subject,
                component,
                file: file.rel.clone(),
                named,
            }),
            Ok(Some(Outcome::Edited {
                bytes,
                action,
                line,
            })) => {
                if let Err(reason) = reads_as(&bytes, file, plan.direction.value()) {
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
}

/// Reads a metadata file with the walk's bounds.
pub(super) fn read_metadata(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot be read: {e}"))?;
    if !meta.is_file() || meta.len() > source::MAX_FILE_BYTES {
        return Err("is not a regular file within the size limit".into());
    }
    std::fs::read(path).map_err(|e| format!("cannot be read: {e}"))
}

/// The edited file, read by the audit's own parser, requires PKCE (`value`), or does not:
/// what the next audit will see.
pub(super) fn reads_as(bytes: &[u8], file: &source::SourceFile, value: bool) -> Result<(), String> {
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
        Some(p) if p.value == value => Ok(()),
        _ if value => Err("the edited file does not read as requiring PKCE; not written".into()),
        _ => Err("the edited file does not read as isPkceRequired false; not written".into()),
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
