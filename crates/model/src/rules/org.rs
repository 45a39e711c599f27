//! The org rules: the org-wide OAuth settings.

use super::*;
use crate::inventory::OrgSettings;

/// Findings on the org-wide OAuth settings, when they were read.
pub(super) fn org_findings(s: &OrgSettings, out: &mut Vec<Finding>) {
    if !s.is_pkce_required {
        out.push(Finding::org(
            RuleId::OrgPkceNotEnforced,
            "The org does not yet require PKCE for supported authorization flows (isPkceRequired is off).".into(),
            s.location_of("isPkceRequired"),
        ));
    }
    if !s.block_username_password_flow {
        out.push(Finding::org(
            RuleId::OrgUsernamePasswordFlowAllowed,
            "The OAuth username-password flow is allowed (blockOAuthUnPwFlow is not true).".into(),
            s.location_of("blockOAuthUnPwFlow"),
        ));
    }
    if !s.block_user_agent_flow {
        out.push(Finding::org(
            RuleId::OrgUserAgentFlowAllowed,
            "The OAuth user-agent flow is allowed (blockOAuthUsrAgtFlow is not true).".into(),
            s.location_of("blockOAuthUsrAgtFlow"),
        ));
    }
    if s.code_credentials_flow_enabled {
        out.push(Finding::org(
            RuleId::OrgCodeCredentialsFlowEnabled,
            "The Authorization Code and Credentials flow is allowed (oAuthCdCrdtFlowEnable is true); headless flows fall under the PKCE setting.".into(),
            s.location_of("oAuthCdCrdtFlowEnable"),
        ));
    }
}
