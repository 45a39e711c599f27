//! The deploy manifest of one step: a `package.xml` listing exactly the components the
//! step changed, so `sf project deploy start --manifest FILE` deploys that step alone.
//!
//! Shape: the Metadata API's `Package` (`<types><members/><name/></types>`, `<version>`),
//! https://developer.salesforce.com/docs/atlas.en-us.daas.meta/daas/daas_package.htm.
//! The org settings are type `Settings`, member `OauthOidc` (salesforce-api.md §3).

use crate::metadata::{MetadataType, OAUTH_OIDC_MEMBER};
use crate::xml::{escape, METADATA_NS};
use std::collections::BTreeMap;

/// The API version written when the project does not name one (`sourceApiVersion` in
/// sfdx-project.json, `<version>` in an mdapi package.xml): the version of the WSDL the
/// schema order comes from.
pub const DEFAULT_API_VERSION: &str = "66.0";

/// The manifest type and member of a changed component.
pub fn entry(ty: MetadataType, full_name: &str) -> (&'static str, String) {
    match ty {
        MetadataType::OauthOidcSettings => ("Settings", OAUTH_OIDC_MEMBER.to_string()),
        other => (other.name(), full_name.to_string()),
    }
}

/// An API version as the Metadata API writes it (`66.0`); anything else is not used.
pub fn valid_version(v: &str) -> bool {
    let v = v.trim();
    v.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && !minor.is_empty()
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Text that may stand inside an XML comment: no `--`, no line breaks.
fn comment_text(text: &str) -> String {
    let mut s: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "- -");
    }
    s.trim_end_matches('-').to_string()
}

/// The `package.xml` text. `components` are `(type, member)` pairs; types and members are
/// written sorted, as `sf project generate manifest` writes them. `comment` (the reason a
/// step was forced) goes in an XML comment at the top.
pub fn package_xml(components: &[(&str, String)], version: &str, comment: Option<&str>) -> String {
    let mut by_type: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (ty, member) in components {
        by_type.entry(ty).or_default().push(member);
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    if let Some(c) = comment {
        out.push_str(&format!("<!-- {} -->\n", comment_text(c)));
    }
    out.push_str(&format!("<Package xmlns=\"{METADATA_NS}\">\n"));
    for (ty, mut members) in by_type {
        members.sort_unstable();
        members.dedup();
        out.push_str("    <types>\n");
        for m in members {
            out.push_str(&format!("        <members>{}</members>\n", escape(m)));
        }
        out.push_str(&format!("        <name>{ty}</name>\n    </types>\n"));
    }
    out.push_str(&format!(
        "    <version>{}</version>\n</Package>\n",
        version.trim()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_each_type_once_with_sorted_members() {
        let text = package_xml(
            &[
                entry(MetadataType::ConnectedApp, "Zeta"),
                entry(
                    MetadataType::ExtlClntAppGlobalOauthSettings,
                    "Exp_glbloauth",
                ),
                entry(MetadataType::ConnectedApp, "Alpha"),
            ],
            "63.0",
            None,
        );
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <types>\n        <members>Alpha</members>\n        <members>Zeta</members>\n        <name>ConnectedApp</name>\n    </types>\n    <types>\n        <members>Exp_glbloauth</members>\n        <name>ExtlClntAppGlobalOauthSettings</name>\n    </types>\n    <version>63.0</version>\n</Package>\n"
        );
        let root = crate::xml::parse(text.as_bytes()).unwrap();
        assert_eq!(root.name, "Package");
    }

    #[test]
    fn the_org_settings_are_settings_member_oauthoidc_and_the_reason_is_a_safe_comment() {
        let text = package_xml(
            &[entry(MetadataType::OauthOidcSettings, "ignored")],
            "66.0",
            Some("vendor -- confirmed\nPKCE ready -->"),
        );
        assert!(text.contains("<members>OauthOidc</members>\n        <name>Settings</name>"));
        assert!(
            text.contains("<!-- vendor - - confirmed PKCE ready - -> -->"),
            "{text}"
        );
        crate::xml::parse(text.as_bytes()).unwrap();
    }

    #[test]
    fn versions_are_checked() {
        assert!(valid_version("63.0"));
        assert!(!valid_version("63"));
        assert!(!valid_version("v63.0"));
        assert!(!valid_version("63.0</version>"));
    }
}
