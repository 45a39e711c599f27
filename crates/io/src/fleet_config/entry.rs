//! One `[[org]]` table of the fleet file, checked on its own: its name, exactly one
//! connection, role and rehearsal, waivers.

use super::{ConfigError, OrgEntry, OrgInput, Role, WaiverChoice};
use crate::salesforce::{auth, Connection, TokenSource};
use crate::waivers::{self, line_of};
use serde::Deserialize;
use std::ops::Range;
use std::path::{Path, PathBuf};

type Text = toml::Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOrg {
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

pub(super) type Invalid<'a> =
    dyn Fn(Option<Range<usize>>, Option<&str>, String) -> ConfigError + 'a;

/// One org's entry, checked on its own.
pub(super) fn entry(
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
            // The reason alone: the value may be a token pasted under the wrong key.
            let url = auth::validate_instance_url(t.get_ref()).map_err(|e| {
                let reason = match e {
                    crate::salesforce::Error::InstanceUrl { reason, .. } => reason,
                    other => other.to_string(),
                };
                err(t.span(), format!("`instance_url` is not usable: {reason}"))
            })?;
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
    let org_namespace =
        match raw.org_namespace {
            Some(n) if !is_namespace(n.get_ref().trim()) => return Err(err(
                n.span(),
                "`org_namespace` is no namespace prefix (1 to 15 letters, digits or underscores)"
                    .into(),
            )),
            n => n.map(|n| n.into_inner().trim().to_string()),
        };
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

/// A namespace prefix, or empty (none): "a one to 15-character alphanumeric identifier"
/// (https://developer.salesforce.com/docs/platform/pkg1-dev/guide/register-namespace-prefix.md);
/// underscores pass, as prefixes such as `my_ns` exist. Anything else, a token pasted
/// here, is refused before it could be shown in a report.
fn is_namespace(n: &str) -> bool {
    n.chars().count() <= 15 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
