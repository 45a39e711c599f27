use super::*;

#[test]
fn classifies_source_and_mdapi_names_by_suffix() {
    assert_eq!(
        classify("My_App.connectedApp-meta.xml"),
        Some((MetadataType::ConnectedApp, "My_App".into()))
    );
    assert_eq!(
        classify("ns__App.connectedApp"),
        Some((MetadataType::ConnectedApp, "ns__App".into()))
    );
    assert_eq!(
        classify("X_defaultPolicy.ecaOauthPlcy-meta.xml"),
        Some((
            MetadataType::ExtlClntAppOauthConfigurablePolicies,
            "X_defaultPolicy".into()
        ))
    );
    assert_eq!(
        classify("OauthOidc.settings-meta.xml"),
        Some((MetadataType::OauthOidcSettings, "OauthOidc".into()))
    );
    assert_eq!(classify("Security.settings-meta.xml"), None);
    assert_eq!(classify(".connectedApp-meta.xml"), None);
    assert_eq!(classify("A.ecaglbloauth-meta.xml"), None);
}

#[test]
fn near_misses_differ_only_in_case() {
    assert_eq!(
        near_miss("X.ConnectedApp-meta.xml"),
        Some(MetadataType::ConnectedApp)
    );
    assert_eq!(
        near_miss("X.connectedapp"),
        Some(MetadataType::ConnectedApp)
    );
    assert_eq!(
        near_miss("oauthoidc.settings-meta.xml"),
        Some(MetadataType::OauthOidcSettings)
    );
    assert_eq!(near_miss("X.connectedApp-meta.xml"), None, "an exact name");
    assert_eq!(near_miss("Security.settings-meta.xml"), None);
    assert_eq!(near_miss("README.md"), None);
}
