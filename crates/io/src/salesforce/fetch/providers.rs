//! Auth. Providers are read only when an app's callback points at one of this org's
//! (`/services/authcallback/[<orgId>/]<name>` on the org's own host): an org without
//! such a callback costs no extra call (docs/performance.md, the call minimum).

use super::FetchedRecord;
use crate::metadata::{self, Body, MetadataType};

/// Whether some Connected App or External Client App read so far has a callback to an
/// Auth. Provider on `org_host` (the instance URL's host: the org's My Domain host).
pub(super) fn callbacks_point_at_org_provider(records: &[FetchedRecord], org_host: &str) -> bool {
    records
        .iter()
        .filter(|r| {
            matches!(
                r.ty,
                MetadataType::ConnectedApp | MetadataType::ExtlClntAppGlobalOauthSettings
            )
        })
        .filter_map(|r| metadata::parse_component(&r.element, Some(r.ty), &r.full_name).ok())
        .flat_map(|c| match c.body {
            Body::ConnectedApp(ca) => ca.oauth.map(|o| o.callback_urls).unwrap_or_default(),
            Body::EcaGlobalOauth(g) => g.callback_urls,
            Body::ExternalClientApp(_)
            | Body::EcaOauthPolicies(_)
            | Body::EcaPolicies(_)
            | Body::EcaOther
            | Body::OauthOidc(_)
            | Body::AuthProvider(_) => Vec::new(),
        })
        .any(|u| {
            pkce_audit_model::callback::auth_provider_name(&u).is_some()
                && crate::host_of(&u).as_deref() == Some(org_host)
        })
}
