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

use crate::salesforce::{auth, Connection, TokenSource};
use crate::waivers::{self, line_of, WaiverSet};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
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

/// What an org is for. Only a sandbox can rehearse, and only a production org can be
/// rehearsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Production,
    Sandbox,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Production => "production",
            Role::Sandbox => "sandbox",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    org: Vec<toml::Spanned<RawOrg>>,
}

type Text = toml::Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrg {
    name: Text,
    role: Option<toml::Spanned<Role>>,
    rehearses: Option<Text>,
    target_org: Option<Text>,
    instance_url: Option<Text>,
    access_token_file: Option<Text>,
    auth_url_file: Option<Text>,
    source: Option<Text>,
    waivers: Option<Text>,
    no_waivers: Option<toml::Spanned<bool>>,
    org_namespace: Option<Text>,
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
        orgs.push(entry(raw.into_inner(), span, text, base, &invalid)?);
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

type Invalid<'a> = dyn Fn(Option<Range<usize>>, Option<&str>, String) -> ConfigError + 'a;

/// One org's entry, checked on its own.
fn entry(
    raw: RawOrg,
    span: Range<usize>,
    text: &str,
    base: &Path,
    invalid: &Invalid<'_>,
) -> Result<OrgEntry, ConfigError> {
    let name = raw.name.get_ref().trim().to_string();
    if name.is_empty() {
        return Err(invalid(
            Some(raw.name.span()),
            None,
            "`name` must not be empty".into(),
        ));
    }
    let err = |s: Range<usize>, message: String| invalid(Some(s), Some(&name), message);
    let path = |t: &Text| -> Result<PathBuf, ConfigError> {
        let p = t.get_ref().trim();
        if p.is_empty() {
            return Err(err(t.span(), "a path must not be empty".into()));
        }
        Ok(base.join(p))
    };

    let ways: Vec<(&str, &Text)> = [
        ("target_org", &raw.target_org),
        ("instance_url", &raw.instance_url),
        ("auth_url_file", &raw.auth_url_file),
        ("source", &raw.source),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
    .collect();
    let input = match ways.as_slice() {
        [] => {
            return Err(err(
                span,
                "no connection: give one of target_org, instance_url with access_token_file, auth_url_file, or source".into(),
            ))
        }
        [(_, t)] if raw.access_token_file.is_some() && raw.instance_url.is_none() => {
            return Err(err(
                raw.access_token_file.as_ref().map_or(t.span(), |a| a.span()),
                "`access_token_file` goes with `instance_url` only".into(),
            ))
        }
        [("target_org", t)] => {
            let alias = t.get_ref().trim();
            if alias.is_empty() {
                return Err(err(t.span(), "`target_org` must not be empty".into()));
            }
            OrgInput::Live(Connection::TargetOrg(alias.to_string()))
        }
        [("instance_url", t)] => {
            let url = auth::validate_instance_url(t.get_ref())
                .map_err(|e| err(t.span(), e.to_string()))?;
            let Some(token) = &raw.access_token_file else {
                return Err(err(
                    t.span(),
                    "`instance_url` needs `access_token_file`, the file holding its access token (a fleet file never holds a token)".into(),
                ));
            };
            if token.get_ref().trim() == "-" {
                return Err(err(
                    token.span(),
                    "`access_token_file` cannot be `-`: each org needs a file of its own".into(),
                ));
            }
            OrgInput::Live(Connection::AccessToken {
                instance_url: url,
                token: TokenSource::File(path(token)?),
            })
        }
        [("auth_url_file", t)] => OrgInput::Live(Connection::AuthUrlFile(path(t)?)),
        [("source", t)] => OrgInput::Source(path(t)?),
        [_, (second, t), ..] => {
            let names: Vec<&str> = ways.iter().map(|(k, _)| *k).collect();
            return Err(err(
                t.span(),
                format!(
                    "more than one connection ({}); `{second}` and the others exclude each other: give exactly one",
                    names.join(", ")
                ),
            ));
        }
        [(other, _)] => unreachable!("{other} is one of the keys listed above"),
    };

    let role = raw.role.as_ref().map(|r| *r.get_ref());
    let rehearses = match &raw.rehearses {
        None => None,
        Some(r) if role != Some(Role::Sandbox) => {
            return Err(err(
                r.span(),
                "`rehearses` is for a sandbox: add role = \"sandbox\"".into(),
            ))
        }
        Some(r) if r.get_ref().trim().is_empty() => {
            return Err(err(r.span(), "`rehearses` must not be empty".into()))
        }
        Some(r) => Some(r.get_ref().trim().to_string()),
    };

    let (waivers, waivers_line_span) = match (&raw.waivers, &raw.no_waivers) {
        (Some(w), Some(n)) if *n.get_ref() => {
            return Err(err(
                w.span(),
                "`waivers` and `no_waivers = true` exclude each other".into(),
            ))
        }
        (Some(w), _) => (WaiverChoice::File(path(w)?), w.span()),
        (None, Some(n)) if *n.get_ref() => (WaiverChoice::Off, n.span()),
        (None, _) => match &input {
            OrgInput::Source(dir) => (
                WaiverChoice::SourceDefault(dir.join(waivers::DEFAULT_FILE)),
                span.clone(),
            ),
            OrgInput::Live(_) => (WaiverChoice::Off, span.clone()),
        },
    };
    let org_namespace = raw.org_namespace.map(|n| n.into_inner().trim().to_string());
    Ok(OrgEntry {
        name,
        line: line_of(text, span.start),
        role,
        rehearses,
        input,
        waivers,
        waivers_line: line_of(text, waivers_line_span.start),
        org_namespace,
    })
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
                    format!("`rehearses` names '{target}', which is no org of this file{hint}"),
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
                let waivers = match &file {
                    Some(f) => waivers::load(f).map_err(|e| ConfigError::Invalid {
                        file: self.file.clone(),
                        line: o.waivers_line,
                        org: Some(o.name.clone()),
                        message: e.to_string(),
                    })?,
                    None => Vec::new(),
                };
                Ok(WaiverSet {
                    file,
                    waivers,
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

#[cfg(test)]
mod tests;
