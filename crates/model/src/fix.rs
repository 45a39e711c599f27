//! What `pkce-audit fix` writes, as data: a [`Plan`] of changed files and the step's deploy
//! manifest. pkce-audit-io computes and writes it (every refusal is its error, so a plan
//! holds none); pkce-audit-render presents it.

use crate::inventory::AppKind;
use crate::metadata::{MetadataType, OAUTH_OIDC_MEMBER};
use crate::report::Layout;
use std::path::PathBuf;

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

    /// The manifest's file name when `--manifest` does not name one: under
    /// `manifest/` of an SFDX project, next to (never inside) an mdapi folder.
    pub fn default_manifest(self, direction: Direction) -> &'static str {
        match (self, direction) {
            (Step::Apps, Direction::Require) => "pkce-step2-apps.xml",
            (Step::OrgSetting, Direction::Require) => "pkce-step3-org.xml",
            (Step::Apps, Direction::Undo) => "pkce-rollback-apps.xml",
            (Step::OrgSetting, Direction::Undo) => "pkce-rollback-org.xml",
        }
    }

    pub fn title(self, direction: Direction) -> &'static str {
        match (self, direction) {
            (Step::Apps, Direction::Require) => "require PKCE on each app",
            (Step::OrgSetting, Direction::Require) => {
                "require PKCE org-wide (OAuth and OpenID Connect Settings)"
            }
            (Step::Apps, Direction::Undo) => "stop requiring PKCE on each app",
            (Step::OrgSetting, Direction::Undo) => {
                "stop requiring PKCE org-wide (OAuth and OpenID Connect Settings)"
            }
        }
    }
}

/// Which way a run sets `isPkceRequired`: the step itself, or its rollback (`--undo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// `true`: the step.
    Require,
    /// `false`: the way back, never gated by the audit.
    Undo,
}

impl Direction {
    /// The value the run writes.
    pub fn value(self) -> bool {
        self == Direction::Require
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
    /// The file did not exist: it holds this field and `others` fields of the org.
    Created {
        others: usize,
    },
    /// `isPkceRequired` was already true; `fields` flows the org blocks were written
    /// into the file explicitly, so the deploy does not re-allow them.
    Pinned {
        fields: usize,
    },
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

/// An app (or the org settings) whose file already holds the value asked for. The
/// manifest still lists it: it is part of the step asked for, and may not be deployed
/// yet. A rollback of a file that does not name `isPkceRequired` is unchanged too, but
/// not listed: deploying it would leave the org's value as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unchanged {
    pub subject: Subject,
    pub component: (MetadataType, String),
    pub file: String,
    /// Whether the file names `isPkceRequired` (always, for the step itself).
    pub named: bool,
}

/// Step 3 written despite open items, with the reason given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forced {
    pub reason: String,
    /// Every open item, one line each: what the audit still says, and each settings field
    /// whose value in the file differs from the org's.
    pub open: Vec<String>,
}

/// A blocker a waiver took out of step 3's gate: named in the output and the manifest's
/// comment, so a waiver never clears the gate without a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaivedBlocker {
    pub rule: String,
    pub app: Option<String>,
    /// The waiver's reason, approver and expiry, as the waiver file gives them.
    pub reason: String,
    pub approved_by: String,
    pub expires: String,
}

impl WaivedBlocker {
    /// `rule on App (waived: reason; approved by X; expires D)`.
    pub fn describe(&self) -> String {
        let on = self
            .app
            .as_deref()
            .map_or_else(String::new, |a| format!(" on {a}"));
        format!(
            "{}{on} (waived: {}; approved by {}; expires {})",
            self.rule, self.reason, self.approved_by, self.expires
        )
    }
}

/// The blockers waivers took out of step 3's gate, and the waiver file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaivedBlockers {
    pub file: String,
    pub blockers: Vec<WaivedBlocker>,
}

/// A field of the org settings file other than `isPkceRequired`. A deploy sets every field
/// the file names, so each is listed with the value it will set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsField {
    pub name: String,
    /// The value the deploy sets, as the file holds it.
    pub value: String,
    /// The org's current value; `None` when the org was not read, or did not name the
    /// field.
    pub org: Option<String>,
    /// Written by this run with the org's value: a settings file step 3 creates, or a
    /// flow the org blocks that the file did not name.
    pub from_org: bool,
}

/// The org step 3 read, and what it took from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUsed {
    pub instance_url: String,
    /// As the user named it (`-o`), for the printed commands.
    pub target_org: Option<String>,
    /// What counted as read from the org (`Type Name`), besides the settings compared.
    pub taken: Vec<String>,
    /// The org's own `isPkceRequired`: the one that counts, whatever the file says.
    pub pkce_required: Option<bool>,
}

/// Everything one run of `fix` writes, or would write under `--dry-run`.
#[derive(Debug, Clone)]
pub struct Plan {
    pub step: Step,
    pub direction: Direction,
    pub root: PathBuf,
    pub layout: Layout,
    pub api_version: String,
    pub changes: Vec<Change>,
    pub unchanged: Vec<Unchanged>,
    pub forced: Option<Forced>,
    /// Step 3: the blockers waivers took out of the gate.
    pub waived: Option<WaivedBlockers>,
    /// Step 3: the settings file's other fields, each with the value the deploy sets.
    pub settings: Vec<SettingsField>,
    /// Step 3 with a connection: the org read.
    pub org: Option<OrgUsed>,
    /// The step's deploy manifest as the run leaves it.
    pub manifest: StepManifest,
    /// The diff of every file the plan writes, exactly as `git apply` reads it from the
    /// project root (the manifest included when it lies inside the project), secret
    /// values masked: `--dry-run` prints it.
    pub patch: String,
}

impl Plan {
    /// Whether the run writes anything: a changed file, or a manifest that differs.
    pub fn writes_anything(&self) -> bool {
        !self.changes.is_empty() || self.manifest.written()
    }
}

/// The manifest type and member of a component.
pub fn entry(ty: MetadataType, full_name: &str) -> (&'static str, String) {
    // Settings are listed by their Settings type, not the readMetadata record type.
    if ty == MetadataType::OauthOidcSettings {
        ("Settings", OAUTH_OIDC_MEMBER.to_string())
    } else {
        (ty.name(), full_name.to_string())
    }
}

/// `(type, member)`, as the manifest lists it.
pub type Member = (String, String);

/// The step's deploy manifest as a run leaves it.
#[derive(Debug, Clone)]
pub struct StepManifest {
    /// Where it goes: `--manifest` as given (made absolute by the binary), else the
    /// step's default.
    pub path: PathBuf,
    /// The folder the write is confined to: the project for the default under
    /// `manifest/` (so a `manifest/` that is a link is refused), the folder of
    /// `--manifest`, the parent of an mdapi folder.
    pub root: PathBuf,
    /// The earlier manifest of this step at `path`; `None` when there was none.
    pub before: Option<Vec<u8>>,
    pub after: Vec<u8>,
    /// Every member listed, sorted.
    pub members: Vec<Member>,
    /// Members of the earlier manifest this run did not name, kept (not deployed yet, as
    /// far as fix knows).
    pub kept: Vec<Member>,
    /// `path` relative to the project root, `/` separated, as the deploy command run from
    /// there names it; `None` when it lies outside the project (an mdapi folder's default).
    pub in_project: Option<String>,
}

impl StepManifest {
    /// Whether the run writes it (new, or different from the earlier one). A manifest
    /// with no member (a rollback of files that never named `isPkceRequired`) is not.
    pub fn written(&self) -> bool {
        !self.members.is_empty() && self.before.as_deref() != Some(self.after.as_slice())
    }
}
