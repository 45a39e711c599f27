//! What step 3 reads from the org. With a connection, the org's OAuth and OpenID Connect
//! settings are read first, always: a deploy sets every field the settings file names,
//! so each one is compared with the org's. What the project does not hold (no settings
//! file; External Client Apps whose global OAuth settings are kept out of source, as
//! Salesforce advises) is read from the org too, and counts as read in the audit that
//! gates step 3 ([`complete`]); nothing else of the org does.

use crate::metadata::MetadataType;
use crate::salesforce::Fetched;
use pkce_audit_model::inventory::{Collected, Loaded, Problem};

/// What the project does not hold that only the org can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// No OauthOidc settings file.
    pub settings: bool,
    /// External Client Apps without global OAuth settings in the project, sorted.
    pub eca_globals: Vec<String>,
}

impl Needs {
    pub fn is_empty(&self) -> bool {
        !self.settings && self.eca_globals.is_empty()
    }

    /// What is missing, in words; empty when nothing is.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.settings {
            parts.push("the org's OAuth and OpenID Connect settings (no settings/OauthOidc.settings-meta.xml)".to_string());
        }
        if !self.eca_globals.is_empty() {
            parts.push(format!(
                "the global OAuth settings (ExtlClntAppGlobalOauthSettings) of External Client App(s) {}",
                self.eca_globals.join(", ")
            ));
        }
        parts.join(" and ")
    }
}

/// External Client Apps among `components` with no global OAuth settings among them.
pub(super) fn eca_without_globals(components: &[Loaded]) -> Vec<String> {
    let mut names: Vec<String> = components
        .iter()
        .filter(|l| l.component.ty == MetadataType::ExternalClientApplication)
        .map(|l| l.component.full_name.clone())
        .filter(|name| {
            !components.iter().any(|l| {
                l.component.ty == MetadataType::ExtlClntAppGlobalOauthSettings
                    && l.component.parent.as_deref() == Some(name.as_str())
            })
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The org's value of each OauthOidc field, as the org gave them.
pub type OrgFields = Vec<(String, bool)>;

/// What step 3 read from the org.
#[derive(Debug, Clone)]
pub struct OrgRead {
    /// The org as the user named it (`-o` alias or username), for the printed commands.
    pub target_org: Option<String>,
    pub instance_url: String,
    /// The org's OauthOidc settings, field by field in the order the org gave them
    /// (`fullName` and nil fields left out), or why they could not be read.
    pub settings: Result<OrgFields, String>,
    /// The components read of the types step 3 takes from the org, parsed as the audit
    /// parses files.
    components: Vec<Loaded>,
    /// What could not be read of those types.
    problems: Vec<Problem>,
}

/// The types whose components step 3 takes from the org.
const TAKEN: [MetadataType; 2] = [
    MetadataType::OauthOidcSettings,
    MetadataType::ExtlClntAppGlobalOauthSettings,
];

fn of_taken_type(p: &Problem) -> bool {
    p.component
        .as_ref()
        .is_some_and(|c| TAKEN.iter().any(|t| c.is_of_type(*t)))
}

impl OrgRead {
    /// What `fetched` (a [`crate::salesforce::fetch_settings_blocking`]) says of the types
    /// step 3 takes from the org; its other problems (the Organization row) do not matter
    /// here.
    pub fn from_fetched(fetched: &Fetched, target_org: Option<String>) -> OrgRead {
        let collected = fetched.collected();
        let components: Vec<Loaded> = collected
            .components
            .into_iter()
            .filter(|l| TAKEN.contains(&l.component.ty))
            .collect();
        let problems: Vec<Problem> = collected
            .problems
            .into_iter()
            .filter(of_taken_type)
            .collect();
        let settings = match components
            .iter()
            .find(|l| l.component.ty == MetadataType::OauthOidcSettings)
        {
            Some(_) => fetched
                .records
                .iter()
                .find(|r| r.ty == MetadataType::OauthOidcSettings)
                .map_or_else(
                    || Err("the org sent no OauthOidc settings".to_string()),
                    |r| fields(&r.element),
                ),
            None => {
                let why: Vec<String> = problems
                    .iter()
                    .filter(|p| {
                        p.component
                            .as_ref()
                            .is_some_and(|c| c.is_of_type(MetadataType::OauthOidcSettings))
                    })
                    .map(|p| p.to_string())
                    .collect();
                Err(if why.is_empty() {
                    "the org sent no OauthOidc settings".to_string()
                } else {
                    why.join("; ")
                })
            }
        };
        OrgRead {
            target_org,
            instance_url: fetched.instance_url.clone(),
            settings,
            components,
            problems,
        }
    }

    /// The org's global OAuth settings of the External Client App `app`.
    fn globals_of<'a>(&'a self, app: &'a str) -> impl Iterator<Item = &'a Loaded> + 'a {
        self.components.iter().filter(move |l| {
            l.component.ty == MetadataType::ExtlClntAppGlobalOauthSettings
                && l.component.parent.as_deref() == Some(app)
        })
    }

    /// What [`complete`] takes from the org for a project that lacks `needs`, as
    /// `Type Name`: for the output, which says what counted as read from the org.
    pub fn taken(&self, needs: &Needs) -> Vec<String> {
        let mut out = Vec::new();
        if needs.settings && self.settings.is_ok() {
            out.push(format!(
                "{} {}",
                MetadataType::OauthOidcSettings,
                crate::metadata::OAUTH_OIDC_MEMBER
            ));
        }
        for app in &needs.eca_globals {
            out.extend(
                self.globals_of(app)
                    .map(|l| format!("{} {}", l.component.ty, l.component.full_name)),
            );
        }
        out
    }
}

/// The fields of an OauthOidc settings record: each a boolean, named as the schema names
/// elements. The org's answer is input like any other: a value that is not a boolean, a
/// nested element or an odd name is refused here (it would go into a file), never
/// written.
fn fields(record: &crate::xml::Element) -> Result<OrgFields, String> {
    let mut out: OrgFields = Vec::new();
    for c in &record.children {
        if c.name == "fullName" || (c.is_nil() && c.text.trim().is_empty()) {
            continue;
        }
        let plain = c.name.len() <= 64
            && c.name.starts_with(|ch: char| ch.is_ascii_alphabetic())
            && c.name.chars().all(|ch| ch.is_ascii_alphanumeric());
        if !plain {
            return Err(format!(
                "the org's OauthOidc settings hold an element named {}, which is not a settings field; not used",
                excerpt(&c.name)
            ));
        }
        let value = match (c.children.is_empty(), c.text.trim()) {
            (true, "true" | "1") => true,
            (true, "false" | "0") => false,
            _ => {
                return Err(format!(
                    "the org's OauthOidc settings hold {} = {}, not a boolean; not used",
                    c.name,
                    excerpt(&c.text)
                ))
            }
        };
        if out.iter().any(|(n, _)| *n == c.name) {
            return Err(format!(
                "the org's OauthOidc settings hold {} twice; which one counts cannot be told",
                c.name
            ));
        }
        out.push((c.name.clone(), value));
    }
    Ok(out)
}

/// A bounded, quoted excerpt of server text for a message.
fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    let cut: String = text.chars().take(MAX).collect();
    let more = if text.chars().count() > MAX {
        "…"
    } else {
        ""
    };
    format!("{cut:?}{more}")
}

/// Completes what a project folder gave with what `org` read of what the project does
/// not hold: the org settings when the project has no settings file (the "not found"
/// problem goes), and the global OAuth settings of each External Client App that has
/// none in the project. What the org could not give of those stays a problem: the
/// audit stays incomplete.
pub fn complete(collected: &mut Collected, org: &OrgRead) {
    let before = collected.problems.len();
    collected
        .problems
        .retain(|p| p.kind != pkce_audit_model::inventory::ProblemKind::SettingsNotFound);
    if collected.problems.len() < before {
        match org
            .components
            .iter()
            .find(|l| l.component.ty == MetadataType::OauthOidcSettings)
        {
            Some(l) if org.settings.is_ok() => collected.components.push(l.clone()),
            _ => collected.problems.push(
                Problem::new(
                    pkce_audit_model::inventory::ProblemKind::Unreadable,
                    format!(
                        "org OAuth settings not in the project, and not read from the org: {}",
                        org.settings
                            .as_ref()
                            .err()
                            .map_or("unusable", String::as_str)
                    ),
                )
                .component(
                    MetadataType::OauthOidcSettings,
                    crate::metadata::OAUTH_OIDC_MEMBER,
                ),
            ),
        }
    }
    let missing = eca_without_globals(&collected.components);
    let mut unread = false;
    for app in &missing {
        let found: Vec<Loaded> = org
            .globals_of(app)
            .filter(|l| {
                // A component of that name in the project is the project's: not replaced.
                !collected.components.iter().any(|c| {
                    c.component.ty == l.component.ty
                        && c.component.full_name == l.component.full_name
                })
            })
            .cloned()
            .collect();
        unread |= found.is_empty();
        collected.components.extend(found);
    }
    if unread {
        // Why the org could not tell (a denied permission names its remedy).
        collected.problems.extend(
            org.problems
                .iter()
                .filter(|p| {
                    p.component
                        .as_ref()
                        .is_some_and(|c| c.is_of_type(MetadataType::ExtlClntAppGlobalOauthSettings))
                })
                .cloned(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(xml: &str) -> crate::xml::Element {
        crate::xml::parse(
            format!(
                r#"<records xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="OauthOidcSettings"><fullName>OauthOidc</fullName>{xml}</records>"#
            )
            .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn the_orgs_fields_are_booleans_or_refused() {
        assert_eq!(
            fields(&record("<blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><isPkceRequired>false</isPkceRequired><agentAuthLinking xsi:nil=\"true\"/>")),
            Ok(vec![
                ("blockOAuthUnPwFlow".to_string(), true),
                ("isPkceRequired".to_string(), false)
            ])
        );
        for (bad, why) in [
            ("<blockOAuthUnPwFlow>yes</blockOAuthUnPwFlow>", "not a boolean"),
            ("<blockOAuthUnPwFlow><x>true</x></blockOAuthUnPwFlow>", "not a boolean"),
            ("<a_b>true</a_b>", "not a settings field"),
            (
                "<blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><blockOAuthUnPwFlow>false</blockOAuthUnPwFlow>",
                "twice",
            ),
        ] {
            let e = fields(&record(bad)).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
        let long = "x".repeat(500);
        let e = fields(&record(&format!(
            "<blockOAuthUnPwFlow>{long}</blockOAuthUnPwFlow>"
        )))
        .unwrap_err();
        assert!(e.len() < 200, "bounded: {e}");
    }
}
