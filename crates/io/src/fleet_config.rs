//! The fleet file: which orgs to audit, how to reach each, and which sandbox rehearses
//! which production org (docs/fleet.md).
//!
//! ```toml
//! [[org]]
//! name = "acme-prod"
//! role = "production"
//! target_org = "acme-prod"          # or instance_url + access_token_file, auth_url_file, source
//!
//! [[org]]
//! name = "acme-uat"
//! role = "sandbox"
//! rehearses = "acme-prod"
//! auth_url_file = "auth/uat.authurl"  # relative to this file's folder
//! ```
//!
//! Every mistake is one line naming the file, the line and the org. A credential never
//! goes in this file, only the path of a file that holds it, and no error quotes a value
//! from it: a token pasted under a wrong key is named by its key alone.

use crate::salesforce::Connection;
use crate::waivers::{self, line_of, WaiverSet};
use pkce_audit_model::errors::{Coded, ErrorCode};
use serde::Deserialize;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A fleet file is a page of TOML, a few hundred orgs at most; anything larger is not one.
const MAX_FLEET_BYTES: u64 = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The reason is text, not a `source`, so a chain printer does not say it twice.
    #[error("{}: cannot be read: {reason}", file.display())]
    Io { file: PathBuf, reason: String },
    #[error("{}:{line}: {}{message}", file.display(), org.as_ref().map(|o| format!("org '{o}': ")).unwrap_or_default())]
    Invalid {
        file: PathBuf,
        line: usize,
        /// The org the mistake is in, when it is in one and has a name.
        org: Option<String>,
        message: String,
    },
}

impl Coded for ConfigError {
    fn code(&self) -> ErrorCode {
        match self {
            ConfigError::Io { .. } => ErrorCode::FleetUnreadable,
            ConfigError::Invalid { .. } => ErrorCode::FleetInvalid,
        }
    }
}

pub use pkce_audit_model::fleet::Role;

/// How one org is read.
#[derive(Debug, Clone)]
pub enum OrgInput {
    /// A live org, as `audit --target-org`, `--instance-url` or `--auth-url-file`.
    Live(Connection),
    /// A folder or snapshot, as `audit --source`.
    Source(PathBuf),
}

/// Which waivers an org's report applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaiverChoice {
    /// `waivers = "FILE"`: this file, which must exist.
    File(PathBuf),
    /// `no_waivers = true`, or a live org without `waivers`.
    Off,
    /// A source org without `waivers`: its folder's `pkce-audit.toml` when there is one,
    /// as `audit --source` reads it.
    SourceDefault(PathBuf),
}

/// One org of the fleet, checked.
#[derive(Debug, Clone)]
pub struct OrgEntry {
    pub name: String,
    /// The line of its `[[org]]` header.
    pub line: usize,
    pub role: Option<Role>,
    /// For a sandbox: the production org it rehearses (a name in the same file).
    pub rehearses: Option<String>,
    pub input: OrgInput,
    pub waivers: WaiverChoice,
    /// The line of `waivers`, for errors reading that file.
    waivers_line: usize,
    /// As `audit --org-namespace`.
    pub org_namespace: Option<String>,
}

/// The fleet file, checked: every org reachable in exactly one way, names unique,
/// rehearsals pointing at production orgs of the same file.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    /// As given; messages name it so.
    pub file: PathBuf,
    pub orgs: Vec<OrgEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Shape {
    #[serde(default)]
    org: Vec<toml::Spanned<entry::RawOrg>>,
}

/// Only where each org is and what it is called: read first, so a mistake the strict
/// reading finds can name the org it is in.
#[derive(Deserialize)]
struct Outline {
    #[serde(default)]
    org: Vec<toml::Spanned<toml::Table>>,
}

/// Reads and checks a fleet file. Paths in it are relative to its folder.
pub fn load(file: &Path) -> Result<FleetConfig, ConfigError> {
    let text = crate::source::read_required_text(file, MAX_FLEET_BYTES).map_err(|reason| {
        ConfigError::Io {
            file: file.to_path_buf(),
            reason,
        }
    })?;
    parse(&text, file)
}

/// Checks the text of a fleet file named `file`; relative paths in it are taken against
/// `file`'s folder.
pub fn parse(text: &str, file: &Path) -> Result<FleetConfig, ConfigError> {
    let invalid =
        |span: Option<Range<usize>>, org: Option<&str>, message: String| ConfigError::Invalid {
            file: file.to_path_buf(),
            line: span.map_or(1, |s| line_of(text, s.start)),
            org: org.map(String::from),
            message,
        };
    let outline: Outline =
        toml::from_str(text).map_err(|e| invalid(e.span(), None, toml_message(&e)))?;
    let shape: Shape = toml::from_str(text).map_err(|e| {
        let org = e.span().and_then(|s| org_at(&outline, s.start));
        invalid(e.span(), org.as_deref(), toml_message(&e))
    })?;
    if shape.org.is_empty() {
        return Err(invalid(
            None,
            None,
            "names no org: add an [[org]] entry for each org (docs/fleet.md)".into(),
        ));
    }
    let base = file.parent().unwrap_or(Path::new(""));
    let mut orgs = Vec::with_capacity(shape.org.len());
    for raw in shape.org {
        let span = raw.span();
        orgs.push(entry::entry(raw.into_inner(), span, text, base, &invalid)?);
    }
    check_names(&orgs, file)?;
    Ok(FleetConfig {
        file: file.to_path_buf(),
        orgs,
    })
}

/// What the TOML reader says, on one line and without the value it read: its `message()`,
/// never its Display, which quotes the line; and a quoted string or variant is left out
/// (`invalid type: string "00D…!…", expected a boolean`), since a value under a wrong key
/// may be a token pasted in by mistake.
fn toml_message(e: &toml::de::Error) -> String {
    let message = e.message().trim().lines().collect::<Vec<_>>().join("; ");
    for (prefix, instead) in [
        ("invalid type: string \"", "invalid type: a string"),
        ("invalid value: string \"", "invalid value: a string"),
        ("unknown variant `", "unknown value"),
    ] {
        // The value ends where ", expected ..." starts: the last one, as the value may
        // hold those words too.
        if let Some(rest) = message.strip_prefix(prefix) {
            if let Some(i) = rest.rfind(", expected") {
                return format!("{instead}{}", &rest[i..]);
            }
        }
    }
    message
}

/// The name of the org whose table holds byte `offset`, when it has one.
fn org_at(outline: &Outline, offset: usize) -> Option<String> {
    let t = outline
        .org
        .iter()
        .filter(|t| t.span().start <= offset)
        .max_by_key(|t| t.span().start)?;
    t.get_ref()
        .get("name")
        .and_then(|n| n.as_str())
        .map(String::from)
}

/// Names are unique (regardless of case: `Prod` and `prod` would be the same report file
/// on many systems, and the same org to a reader), and every `rehearses` names a
/// production org of the file other than itself.
fn check_names(orgs: &[OrgEntry], file: &Path) -> Result<(), ConfigError> {
    let invalid = |e: &OrgEntry, message: String| ConfigError::Invalid {
        file: file.to_path_buf(),
        line: e.line,
        org: Some(e.name.clone()),
        message,
    };
    let mut seen: HashMap<String, &OrgEntry> = HashMap::new();
    for e in orgs {
        if let Some(first) = seen.insert(e.name.to_lowercase(), e) {
            return Err(invalid(
                e,
                format!(
                    "the name is taken: line {} names an org '{}' already",
                    first.line, first.name
                ),
            ));
        }
    }
    for e in orgs {
        let Some(target) = &e.rehearses else { continue };
        match orgs.iter().find(|o| o.name == *target) {
            None => {
                let hint = seen
                    .get(&target.to_lowercase())
                    .map(|o| format!(" (did you mean '{}'?)", o.name))
                    .unwrap_or_default();
                return Err(invalid(
                    e,
                    // Not quoted: a value of the file, maybe pasted by mistake.
                    format!("`rehearses` names no org of this file{hint}"),
                ));
            }
            Some(o) if o.name == e.name => {
                return Err(invalid(e, "a sandbox cannot rehearse itself".into()))
            }
            Some(o) if o.role != Some(Role::Production) => {
                return Err(invalid(
                    e,
                    format!(
                        "`rehearses` names '{}', which is not a production org: give it role = \"production\"",
                        o.name
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

impl FleetConfig {
    /// The waivers of every org, in order: read before any org is, so a broken waiver
    /// file stops the run before a long fetch, as it does for `audit`.
    pub fn load_waivers(&self) -> Result<Vec<WaiverSet>, ConfigError> {
        self.orgs
            .iter()
            .map(|o| {
                let file = match &o.waivers {
                    WaiverChoice::Off => None,
                    WaiverChoice::File(f) => Some(f.clone()),
                    // `exists`, not `is_file`, as `audit` does: a default that is a folder
                    // fails by name instead of passing as "no waivers".
                    WaiverChoice::SourceDefault(f) => Some(f.clone()).filter(|f| f.exists()),
                };
                let config = match &file {
                    Some(f) => waivers::load_file(f).map_err(|e| ConfigError::Invalid {
                        file: self.file.clone(),
                        line: o.waivers_line,
                        org: Some(o.name.clone()),
                        message: match e {
                            // Not the path: a value of the file, maybe pasted by mistake.
                            waivers::WaiverError::Io { reason, .. } => match o.waivers {
                                WaiverChoice::SourceDefault(_) => format!(
                                    "the {} of its `source` folder cannot be read: {reason}",
                                    waivers::DEFAULT_FILE
                                ),
                                _ => format!("the `waivers` file cannot be read: {reason}"),
                            },
                            // The file was read: a path the user made.
                            other => other.to_string(),
                        },
                    })?,
                    None => waivers::ConfigFile::default(),
                };
                Ok(WaiverSet {
                    canonical: file.as_ref().and_then(|f| f.canonicalize().ok()),
                    file,
                    waivers: config.waivers,
                    org_domains: config.org_domains,
                    notes: Vec::new(),
                })
            })
            .collect()
    }

    /// The org called `name`.
    pub fn org(&self, name: &str) -> Option<&OrgEntry> {
        self.orgs.iter().find(|o| o.name == name)
    }
}

mod entry;

#[cfg(test)]
mod tests;
