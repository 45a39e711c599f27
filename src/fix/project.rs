//! A project folder read once, and the plans for step 2 and step 3: every edit made
//! in memory and verified, every refusal named.

use super::*;
use crate::inventory::{AppKind, Inventory, Problem};
use crate::metadata::{self, Body, MetadataType, OAUTH_OIDC_MEMBER};
use crate::source::{self, Discovery, Layout};

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
    pub(super) components: Vec<crate::inventory::Loaded>,
    pub(super) inventory: Inventory,
    /// Where a new settings file goes: `settings/` of the default package directory.
    settings_dir: PathBuf,
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
        let (api_version, settings_dir) = match layout {
            Layout::SfdxProject => sfdx_facts(&canonical)?,
            Layout::Mdapi => (mdapi_version(&canonical), canonical.join("settings")),
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
        let before = match read_metadata(&file.path) {
            Ok(b) => b,
            Err(reason) => return plan.refuse(&label, format!("{}: {reason}", file.rel)),
        };
        match edit::require_true(&before, target) {
            Err(e) => plan.refuse(&label, format!("{}: {e}", file.rel)),
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
    /// reason. The manifest goes to `manifest`, else the step's default.
    pub fn plan_org_setting(
        &self,
        report: &crate::report::Report,
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
                    return plan.finish(self, manifest);
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
        plan.finish(self, manifest)
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
                let new = self.new_settings_file((
                    MetadataType::OauthOidcSettings,
                    OAUTH_OIDC_MEMBER.to_string(),
                ));
                (new.file, new.path)
            }
        };
        let line = source::forceignore_line(root, &path)?;
        let verb = if existing.is_some() { "is" } else { "would be" };
        Some(format!(
            "the settings file {rel} {verb} excluded by .forceignore ({line}), so a deploy skips it: remove or narrow that line and run fix again, or turn the setting on in Setup (OAuth and OpenID Connect Settings)"
        ))
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
