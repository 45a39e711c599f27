//! Where an inserted element goes: the Metadata API schema's element sequences.
//!
//! A deploy rejects an element out of its `xsd:sequence` place, so `isPkceRequired` is
//! inserted where the WSDL's complexType puts it. The lists are copied from the Metadata
//! API WSDL v66 (../shared/reference/metadata-v66.wsdl); a test checks them against it.

/// One complexType's element sequence, after the sequence of its base type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sequence {
    pub complex_type: &'static str,
    /// Elements of the base type (`Metadata`: `fullName`, `module`), which come first.
    pub base: &'static [&'static str],
    pub elements: &'static [&'static str],
}

/// `Metadata`, the base of every top-level type.
pub const METADATA_BASE: &[&str] = &["fullName", "module"];

/// `ConnectedAppOauthConfig`: the `oauthConfig` of a Connected App (not a top-level type).
pub const CONNECTED_APP_OAUTH_CONFIG: Sequence = Sequence {
    complex_type: "ConnectedAppOauthConfig",
    base: &[],
    elements: &[
        "assetTokenConfig",
        "callbackUrl",
        "certificate",
        "consumerKey",
        "consumerSecret",
        "idTokenConfig",
        "isAdminApproved",
        "isClientCredentialEnabled",
        "isCodeCredentialEnabled",
        "isCodeCredentialPostOnly",
        "isConsumerSecretOptional",
        "isIntrospectAllTokens",
        "isNamedUserJwtEnabled",
        "isPkceRequired",
        "isRefreshTokenRotationEnabled",
        "isSecretRequiredForRefreshToken",
        "isSecretRequiredForTokenExchange",
        "isTokenExchangeEnabled",
        "oauthClientCredentialUser",
        "scopes",
        "singleLogoutUrl",
    ],
};

/// `ExtlClntAppGlobalOauthSettings`: an External Client App's global OAuth settings.
pub const EXTL_CLNT_APP_GLOBAL_OAUTH_SETTINGS: Sequence = Sequence {
    complex_type: "ExtlClntAppGlobalOauthSettings",
    base: METADATA_BASE,
    elements: &[
        "callbackUrl",
        "certificate",
        "consumerKey",
        "consumerSecret",
        "externalClientApplication",
        "idTokenConfig",
        "isClientCredentialsFlowEnabled",
        "isCodeCredFlowEnabled",
        "isCodeCredPostOnly",
        "isConsumerSecretOptional",
        "isDeviceFlowEnabled",
        "isIntrospectAllTokens",
        "isNamedUserJwtEnabled",
        "isPkceRequired",
        "isRefreshTokenRotationEnabled",
        "isSecretRequiredForRefreshToken",
        "isSecretRequiredForTokenExchange",
        "isTokenExchangeEnabled",
        "label",
        "shouldRotateConsumerKey",
        "shouldRotateConsumerSecret",
    ],
};

/// `OauthOidcSettings`: the org's OAuth and OpenID Connect settings.
pub const OAUTH_OIDC_SETTINGS: Sequence = Sequence {
    complex_type: "OauthOidcSettings",
    base: METADATA_BASE,
    elements: &[
        "agentAuthLinking",
        "blockOAuthUnPwFlow",
        "blockOAuthUsrAgtFlow",
        "isPkceRequired",
        "oAuthCdCrdtFlowEnable",
    ],
};

/// Every sequence `fix` inserts into.
pub const ALL: [Sequence; 3] = [
    CONNECTED_APP_OAUTH_CONFIG,
    EXTL_CLNT_APP_GLOBAL_OAUTH_SETTINGS,
    OAUTH_OIDC_SETTINGS,
];

impl Sequence {
    /// Place in the combined base-then-own sequence; `None` for an element the schema
    /// does not list.
    fn rank(&self, name: &str) -> Option<usize> {
        self.base.iter().position(|n| *n == name).or_else(|| {
            self.elements
                .iter()
                .position(|n| *n == name)
                .map(|i| self.base.len() + i)
        })
    }

    /// Sorts `items` into this sequence's order, by their element names: the base's
    /// elements first, then by name ignoring case, which is the schema's order for the
    /// elements it lists (the sequences are alphabetical, a test checks it) and places
    /// the others by name among them, as [`Sequence::insertion_index`] does.
    pub fn sort<T>(&self, items: &mut [T], name: impl Fn(&T) -> &str) {
        items.sort_by_key(|i| {
            let n = name(i);
            (
                self.base.iter().position(|b| *b == n).unwrap_or(usize::MAX),
                n.to_ascii_lowercase(),
            )
        });
    }

    /// The index among `children` (element names, in document order) at which `field`
    /// goes: after the last child the schema puts before it. Real files hold elements
    /// the WSDL v66 does not list (`isTokenExchangeFlowEnabled` in `oauthConfig`,
    /// `enableHdlessFgtPswFlow` in the org settings); Salesforce's sequences are in
    /// alphabetical order (a test checks it), so such an element right after that point
    /// stays before the new one when its name sorts before it.
    pub fn insertion_index(&self, children: &[&str], field: &str) -> usize {
        let own = self
            .rank(field)
            .expect("fix inserts only elements of the sequence");
        let mut at = children
            .iter()
            .rposition(|c| self.rank(c).is_some_and(|r| r < own))
            .map_or(0, |i| i + 1);
        while at < children.len()
            && self.rank(children[at]).is_none()
            && children[at].to_ascii_lowercase() < field.to_ascii_lowercase()
        {
            at += 1;
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The element names of a complexType's sequence in the WSDL (own elements only).
    fn wsdl_sequence(root: &crate::xml::Element, name: &str) -> Option<Vec<String>> {
        let types = root.find("types")?;
        let ty = types
            .children
            .iter()
            .flat_map(|schema| schema.children_named("complexType"))
            .find(|t| t.attr("name") == Some(name))?;
        let seq = ty.find("sequence")?;
        let base = ty.find("extension").and_then(|e| e.attr("base"));
        let mut names: Vec<String> = seq
            .children_named("element")
            .filter_map(|e| e.attr("name").map(String::from))
            .collect();
        if let Some(b) = base {
            names.insert(0, format!("base:{}", b.rsplit(':').next().unwrap_or(b)));
        }
        Some(names)
    }

    #[test]
    fn order_lists_equal_the_wsdl_sequences() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/reference/metadata-v66.wsdl");
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!(
                "notice: {} not found; the WSDL order check was skipped",
                path.display()
            );
            return;
        };
        let root = crate::xml::parse(&bytes).expect("the WSDL parses");
        let base = wsdl_sequence(&root, "Metadata").expect("Metadata is in the WSDL");
        assert_eq!(base, METADATA_BASE);
        for seq in ALL {
            let mut expected: Vec<String> = Vec::new();
            if !seq.base.is_empty() {
                expected.push("base:Metadata".into());
            }
            expected.extend(seq.elements.iter().map(|s| s.to_string()));
            assert_eq!(
                wsdl_sequence(&root, seq.complex_type).as_ref(),
                Some(&expected),
                "{}",
                seq.complex_type
            );
        }
    }

    /// The fallback for elements the WSDL does not list relies on this.
    #[test]
    fn the_sequences_are_alphabetical() {
        for seq in ALL {
            let mut sorted = seq.elements.to_vec();
            sorted.sort_by_key(|s| s.to_ascii_lowercase());
            assert_eq!(sorted, seq.elements, "{}", seq.complex_type);
        }
    }

    #[test]
    fn sorting_follows_the_schema_with_unknown_elements_by_name() {
        let mut names = vec![
            "oAuthCdCrdtFlowEnable",
            "isPkceRequired",
            "enableHdlessFgtPswFlow",
            "blockOAuthUsrAgtFlow",
            "agentAuthLinking",
            "blockOAuthUnPwFlow",
        ];
        OAUTH_OIDC_SETTINGS.sort(&mut names, |n| n);
        assert_eq!(
            names,
            [
                "agentAuthLinking",
                "blockOAuthUnPwFlow",
                "blockOAuthUsrAgtFlow",
                "enableHdlessFgtPswFlow",
                "isPkceRequired",
                "oAuthCdCrdtFlowEnable"
            ]
        );
    }

    #[test]
    fn the_new_element_goes_after_its_last_predecessor() {
        let s = CONNECTED_APP_OAUTH_CONFIG;
        let f = "isPkceRequired";
        assert_eq!(s.insertion_index(&["callbackUrl", "scopes"], f), 1);
        assert_eq!(
            s.insertion_index(&["callbackUrl", "isNamedUserJwtEnabled", "scopes"], f),
            2
        );
        // Scopes before callbackUrl (a misordered file): still after the predecessor.
        assert_eq!(s.insertion_index(&["scopes", "callbackUrl"], f), 2);
        // Unknown elements: placed by name next to the insertion point.
        assert_eq!(
            s.insertion_index(
                &[
                    "callbackUrl",
                    "isAdminApproved",
                    "isTokenExchangeFlowEnabled",
                    "scopes"
                ],
                f
            ),
            2
        );
        assert_eq!(
            s.insertion_index(&["callbackUrl", "isOther", "scopes"], f),
            2
        );
        let o = OAUTH_OIDC_SETTINGS;
        assert_eq!(o.insertion_index(&[], f), 0);
        assert_eq!(o.insertion_index(&["oAuthCdCrdtFlowEnable"], f), 0);
        assert_eq!(
            o.insertion_index(&["enableHdlessFgtPswFlow", "oAuthCdCrdtFlowEnable"], f),
            1
        );
        assert_eq!(
            o.insertion_index(
                &[
                    "blockOAuthUnPwFlow",
                    "blockOAuthUsrAgtFlow",
                    "enableHdlessFgtPswFlow",
                    "oAuthCdCrdtFlowEnable"
                ],
                f
            ),
            3
        );
        let g = EXTL_CLNT_APP_GLOBAL_OAUTH_SETTINGS;
        assert_eq!(
            g.insertion_index(
                &[
                    "fullName",
                    "callbackUrl",
                    "externalClientApplication",
                    "label"
                ],
                f
            ),
            3
        );
        assert_eq!(g.insertion_index(&["fullName", "label"], f), 1);
    }
}
