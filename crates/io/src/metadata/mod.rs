//! Salesforce metadata types we read and their typed parsers.
//!
//! A component arrives as an XML element: the root of a file (`<ConnectedApp>`), or a
//! `readMetadata` record (`<records xsi:type="ConnectedApp">`). Either way it goes through
//! [`parse_component`], so directory and live audits cannot disagree on what a file means.
//!
//! Absent elements stay `None` here; documented defaults are applied in `inventory`,
//! where the distinction "absent" vs "explicitly false" is still visible to rules.
//! `consumerSecret` is never read into memory beyond the XML tree.

pub use pkce_audit_model::metadata::*;

use crate::xml::Element;

/// Finds a `{{PLACEHOLDER}}` (letters, digits, underscore) in text. Other brace styles
/// such as `{CONSUMERKEY}` are ordinary values in real files.
fn template_placeholder(text: &str) -> Option<&str> {
    let start = text.find("{{")?;
    let rest = &text[start + 2..];
    let end = rest.find("}}")?;
    let inner = &rest[..end];
    (!inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| &text[start..start + 2 + end + 2])
}

fn check_template(el: &Element) -> Result<(), ParseError> {
    if let Some(p) = template_placeholder(&el.text) {
        return Err(ParseErrorKind::UnfilledTemplate {
            placeholder: p.to_string(),
            element: el.name.clone(),
        }
        .at(el.line));
    }
    el.children.iter().try_for_each(check_template)
}

/// The one child named `name`. Every element we read holds one value in the Metadata
/// API schema, so a second copy (a bad merge, a hand edit) is an error naming both
/// lines, never "first wins".
fn single<'a>(el: &'a Element, name: &str) -> Result<Option<&'a Element>, ParseError> {
    let mut found = el.children.iter().filter(|c| c.name == name);
    let first = found.next();
    match (first, found.next()) {
        (Some(a), Some(b)) => Err(ParseErrorKind::Duplicate {
            element: name.to_string(),
            first: a.line,
        }
        .at(b.line)),
        (first, _) => Ok(first),
    }
}

/// [`single`] for a simple-typed element: child elements inside it (`<isPkceRequired>
/// true<x/></isPkceRequired>`) make its value unknowable.
fn scalar<'a>(el: &'a Element, name: &str) -> Result<Option<&'a Element>, ParseError> {
    match single(el, name)? {
        Some(c) if !c.children.is_empty() => Err(ParseErrorKind::NotScalar {
            element: name.to_string(),
        }
        .at(c.line)),
        Some(c) if c.is_nil() && !c.text.is_empty() => Err(ParseErrorKind::NilWithContent {
            element: name.to_string(),
        }
        .at(c.line)),
        other => Ok(other),
    }
}

/// Every element of a component must be in the Metadata API namespace or in none:
/// a look-alike from another namespace must not set (or, by its absence, default) a
/// value. Below the root, metadata carries no attribute but `xsi:nil` (and `xsi:type` on
/// a readMetadata record), so any other attribute (a bare `nil="true"`) is refused
/// rather than ignored or obeyed.
fn check_namespaces(el: &Element, root: bool) -> Result<(), ParseError> {
    if !el.is_metadata() {
        return Err(ParseErrorKind::ForeignNamespace {
            element: el.name.clone(),
            namespace: el.ns.clone().unwrap_or_default(),
        }
        .at(el.line));
    }
    let allowed = |k: &str| {
        k == "xsi:nil" || (root && (k == "xsi:type" || k == "xmlns" || k.starts_with("xmlns:")))
    };
    if let Some((k, _)) = el.attrs.iter().find(|(k, _)| !allowed(k)) {
        return Err(ParseErrorKind::UnexpectedAttribute {
            element: el.name.clone(),
            attribute: k.clone(),
        }
        .at(el.line));
    }
    el.children
        .iter()
        .try_for_each(|c| check_namespaces(c, false))
}

fn boolean(el: &Element, name: &str) -> Result<Option<Spanned<bool>>, ParseError> {
    let Some(child) = scalar(el, name)? else {
        return Ok(None);
    };
    // xsi:nil is SOAP's "no value": the field is unset, as if absent.
    if child.is_nil() {
        return Ok(None);
    }
    match child.text.as_str() {
        "true" | "1" => Ok(Some(Spanned {
            value: true,
            line: child.line,
        })),
        "false" | "0" => Ok(Some(Spanned {
            value: false,
            line: child.line,
        })),
        other => Err(ParseErrorKind::BadBoolean {
            element: name.to_string(),
            value: other.to_string(),
        }
        .at(child.line)),
    }
}

/// A boolean whose absence means a default that would clear an app (an External Client
/// App's `isPkceRequired` defaults to true): present, it must hold a value.
fn boolean_with_default(
    el: &Element,
    name: &str,
    default: bool,
) -> Result<Option<Spanned<bool>>, ParseError> {
    match scalar(el, name)? {
        Some(c) if c.is_nil() || c.text.is_empty() => Err(ParseErrorKind::NoValue {
            element: name.to_string(),
            default,
        }
        .at(c.line)),
        _ => boolean(el, name),
    }
}

fn flag(el: &Element, name: &str) -> Result<Option<bool>, ParseError> {
    Ok(boolean(el, name)?.map(|s| s.value))
}

fn text(el: &Element, name: &str) -> Result<Option<String>, ParseError> {
    Ok(scalar(el, name)?
        .filter(|c| !c.is_nil() && !c.text.is_empty())
        .map(|c| c.text.clone()))
}

fn callbacks(el: &Element) -> Result<(Vec<String>, Option<u32>), ParseError> {
    Ok(match scalar(el, "callbackUrl")? {
        Some(c) if !c.is_nil() => (split_callback_urls(&c.text), Some(c.line)),
        _ => (Vec::new(), None),
    })
}

fn has_value(el: &Element, name: &str) -> Result<bool, ParseError> {
    Ok(text(el, name)?.is_some())
}

/// A single-valued complex element (`oauthConfig`, `samlConfig`, …) that is present
/// and not nil.
fn section<'a>(el: &'a Element, name: &str) -> Result<Option<&'a Element>, ParseError> {
    Ok(single(el, name)?.filter(|c| !c.is_nil()))
}

/// The elements of the Metadata API's `ConnectedApp` (metadata WSDL v66, with `fullName`
/// and `module` from its base type `Metadata`). Another element at the top of a file is
/// not the app's own setting: 2GP packaged-app references carry `developerName` and
/// `version` (Second-Generation Managed Packaging Developer Guide, "Package Connected Apps
/// in Second-Generation Managed Packaging").
const CONNECTED_APP_ELEMENTS: &[&str] = &[
    "fullName",
    "module",
    "attributes",
    "canvas",
    "canvasConfig",
    "contactEmail",
    "contactPhone",
    "description",
    "iconUrl",
    "infoUrl",
    "ipRanges",
    "label",
    "logoUrl",
    "mobileAppConfig",
    "mobileStartUrl",
    "oauthConfig",
    "oauthPolicy",
    "permissionSetName",
    "plugin",
    "pluginExecutionUser",
    "profileName",
    "samlConfig",
    "sessionPolicy",
    "startUrl",
];

fn parse_connected_app(el: &Element) -> Result<ConnectedApp, ParseError> {
    let oauth = match section(el, "oauthConfig")? {
        None => None,
        Some(o) => {
            let (callback_urls, callback_line) = callbacks(o)?;
            let token_exchange = match flag(o, "isTokenExchangeEnabled")? {
                Some(v) => Some(v),
                None => flag(o, "isTokenExchangeFlowEnabled")?,
            };
            Some(ConnectedAppOauth {
                line: o.line,
                callback_urls,
                callback_line,
                is_pkce_required: boolean(o, "isPkceRequired")?,
                is_consumer_secret_optional: boolean(o, "isConsumerSecretOptional")?,
                is_code_credential_enabled: boolean(o, "isCodeCredentialEnabled")?,
                is_client_credential_enabled: flag(o, "isClientCredentialEnabled")?,
                has_certificate: has_value(o, "certificate")?,
                is_named_user_jwt_enabled: flag(o, "isNamedUserJwtEnabled")?,
                is_token_exchange_enabled: token_exchange,
                is_refresh_token_rotation_enabled: flag(o, "isRefreshTokenRotationEnabled")?,
                scopes: o
                    .children_named("scopes")
                    .filter(|s| !s.text.is_empty())
                    .map(|s| s.text.clone())
                    .collect(),
            })
        }
    };
    let canvas = section(el, "canvasConfig")?;
    let app = ConnectedApp {
        label: text(el, "label")?,
        contact_email: text(el, "contactEmail")?,
        oauth,
        has_oauth_policy: single(el, "oauthPolicy")?.is_some(),
        is_token_exchange_flow_enabled: match section(el, "oauthPolicy")? {
            Some(p) => flag(p, "isTokenExchangeFlowEnabled")?,
            None => None,
        },
        has_saml: section(el, "samlConfig")?.is_some(),
        has_canvas: canvas.is_some(),
        canvas_access_method: canvas
            .map(|c| text(c, "accessMethod"))
            .transpose()?
            .flatten(),
        canvas_url: canvas.map(|c| text(c, "canvasUrl")).transpose()?.flatten(),
        undefined_elements: el
            .children
            .iter()
            .filter(|c| !CONNECTED_APP_ELEMENTS.contains(&c.name.as_str()))
            .map(|c| c.name.clone())
            .collect(),
        developer_name: text(el, "developerName")?,
    };
    // `ConnectedAppOauthConfig.callbackUrl` is required (the v66 WSDL gives it no
    // `minOccurs="0"`): an OAuth Connected App without one is not what Salesforce
    // deploys, so it is refused rather than read as "no code flow".
    if let Some(o) = &app.oauth {
        if o.callback_urls.is_empty() {
            return Err(ParseErrorKind::Missing {
                element: "callbackUrl",
            }
            .at(o.line));
        }
    }
    Ok(app)
}

fn parse_eca_global(el: &Element) -> Result<EcaGlobalOauth, ParseError> {
    let (callback_urls, callback_line) = callbacks(el)?;
    Ok(EcaGlobalOauth {
        callback_urls,
        callback_line,
        is_pkce_required: boolean_with_default(el, "isPkceRequired", true)?,
        is_consumer_secret_optional: boolean(el, "isConsumerSecretOptional")?,
        is_code_cred_flow_enabled: boolean(el, "isCodeCredFlowEnabled")?,
        is_client_credentials_flow_enabled: flag(el, "isClientCredentialsFlowEnabled")?,
        is_device_flow_enabled: flag(el, "isDeviceFlowEnabled")?,
        is_token_exchange_enabled: flag(el, "isTokenExchangeEnabled")?,
        has_certificate: has_value(el, "certificate")?,
        is_named_user_jwt_enabled: flag(el, "isNamedUserJwtEnabled")?,
        is_refresh_token_rotation_enabled: flag(el, "isRefreshTokenRotationEnabled")?,
    })
}

/// Parses one component. `expected` is the type implied by the file name or the
/// `xsi:type` of a record; `None` detects it from the root element (corpus, templates).
/// `full_name` comes from the file name or the record's `<fullName>`.
pub fn parse_component(
    el: &Element,
    expected: Option<MetadataType>,
    full_name: &str,
) -> Result<Component, ParseError> {
    // A readMetadata record is named `records` and typed by xsi:type.
    let root_name = if el.name == "records" {
        el.attr("xsi:type")
            .map(|t| t.rsplit(':').next().unwrap_or(t))
            .unwrap_or("records")
    } else {
        el.name.as_str()
    };
    let ty = match expected {
        Some(t) if t.name() == root_name => t,
        Some(t) => {
            return Err(ParseErrorKind::WrongRoot {
                expected: t.name(),
                found: root_name.to_string(),
            }
            .at(el.line))
        }
        None => MetadataType::from_name(root_name).ok_or_else(|| {
            ParseErrorKind::UnknownRoot {
                found: root_name.to_string(),
            }
            .at(el.line)
        })?,
    };
    check_namespaces(el, true)?;
    check_template(el)?;
    let full_name = text(el, "fullName")?.unwrap_or_else(|| full_name.to_string());
    let parent = if ty.is_eca_child() {
        Some(
            text(el, "externalClientApplication")?.ok_or(
                ParseErrorKind::Missing {
                    element: "externalClientApplication",
                }
                .at(el.line),
            )?,
        )
    } else {
        None
    };
    let body = match ty.role() {
        Role::ConnectedApp => Body::ConnectedApp(parse_connected_app(el)?),
        Role::EcaHeader => Body::ExternalClientApp(ExternalClientApp {
            label: text(el, "label")?,
            contact_email: text(el, "contactEmail")?,
            distribution_state: text(el, "distributionState")?,
        }),
        Role::EcaChild(EcaChild::GlobalOauth) => Body::EcaGlobalOauth(parse_eca_global(el)?),
        Role::EcaChild(EcaChild::OauthPolicies) => Body::EcaOauthPolicies(EcaOauthPolicies {
            is_client_credentials_flow_enabled: flag(el, "isClientCredentialsFlowEnabled")?,
            is_token_exchange_flow_enabled: flag(el, "isTokenExchangeFlowEnabled")?,
            is_guest_code_cred_flow_enabled: flag(el, "isGuestCodeCredFlowEnabled")?,
        }),
        Role::EcaChild(EcaChild::Policies) => Body::EcaPolicies(EcaPolicies {
            is_enabled: flag(el, "isEnabled")?,
            is_oauth_plugin_enabled: boolean(el, "isOauthPluginEnabled")?,
            is_saml_plugin_enabled: flag(el, "isSamlPluginEnabled")?,
            is_canvas_plugin_enabled: flag(el, "isCanvasPluginEnabled")?,
        }),
        Role::OrgSettings => Body::OauthOidc(OauthOidcSettings {
            is_pkce_required: boolean(el, "isPkceRequired")?,
            block_oauth_un_pw_flow: boolean(el, "blockOAuthUnPwFlow")?,
            block_oauth_usr_agt_flow: boolean(el, "blockOAuthUsrAgtFlow")?,
            oauth_cd_crdt_flow_enable: boolean(el, "oAuthCdCrdtFlowEnable")?,
            line: el.line,
        }),
        Role::AuthProvider => Body::AuthProvider(AuthProvider {
            provider_type: text(el, "providerType")?,
            friendly_name: text(el, "friendlyName")?,
            is_pkce_enabled: boolean(el, "isPkceEnabled")?,
        }),
        // Children we need only for the join to their app.
        Role::EcaChild(EcaChild::OauthSettings | EcaChild::PlugIn) => Body::EcaOther,
    };

    Ok(Component {
        ty,
        full_name,
        parent,
        body,
        line: el.line,
    })
}

/// Elements that hold a secret: `ecKey`, and any name with "secret" (or "password") in it, except the
/// switches such as `isConsumerSecretOptional`, `isSecretRequiredForRefreshToken` or
/// `shouldRotateConsumerSecret` while they hold a boolean. A switch this tool reads
/// (`isConsumerSecretOptional`) always stays, whatever it holds: an odd value (`1`,
/// a second copy, mixed content) must reach the parser, which names the problem,
/// rather than vanish as a "secret".
pub fn is_secret_element(el: &Element) -> bool {
    let lower = el.name.to_ascii_lowercase();
    // An Auth. Provider's Apple private key (metadata WSDL v66 `AuthProvider.ecKey`).
    if lower == "eckey" {
        return true;
    }
    if !(lower.contains("secret") || lower.contains("password")) {
        return false;
    }
    if el.name == "isConsumerSecretOptional" {
        return false;
    }
    let switch_name = ["is", "should", "enable", "has", "allow"]
        .iter()
        .any(|p| el.name.starts_with(p));
    let boolean_value = el.children.is_empty()
        && (el.is_nil()
            || matches!(
                el.text.to_ascii_lowercase().as_str(),
                "true" | "false" | "1" | "0" | ""
            ));
    !(switch_name && boolean_value)
}

/// Removes secret elements at every depth, from a file or an org's record alike, each
/// value registered first as a secret of the run when it looks like one
/// ([`crate::secrets::register_record_secret`]): a folder or an org that copies a consumer
/// secret elsewhere (a label, a Setup path, an error) is scrubbed of it there too. A value
/// that does not look like one (a word, a phrase, JSON) is dropped but not registered, so
/// neither a repository nor a server chooses what is erased from other orgs' reports.
pub fn strip_secrets(el: &mut Element) {
    fn register(el: &Element) {
        crate::secrets::register_record_secret(el.text.trim());
        el.children.iter().for_each(register);
    }
    el.children
        .iter()
        .filter(|c| is_secret_element(c))
        .for_each(register);
    el.children.retain(|c| !is_secret_element(c));
    el.children.iter_mut().for_each(strip_secrets);
}

/// Classifies a file by its name alone, as Salesforce's own tooling does
/// (forcedotcom/source-deploy-retrieve resolves a source file by its suffix, whatever
/// folder it sits in): source format is `<name>.<suffix>-meta.xml`, mdapi format
/// `<name>.<suffix>`. Only the `OauthOidc` member of the settings is read.
pub fn classify(file_name: &str) -> Option<(MetadataType, String)> {
    let stem = file_name.strip_suffix("-meta.xml").unwrap_or(file_name);
    let info = ALL_TYPES.iter().find(|t| {
        stem.strip_suffix(t.suffix)
            .is_some_and(|s| s.ends_with('.') && s.len() > 1)
    })?;
    let name = &stem[..stem.len() - info.suffix.len() - 1];
    if info.ty == MetadataType::OauthOidcSettings && name != OAUTH_OIDC_MEMBER {
        return None;
    }
    Some((info.ty, name.to_string()))
}

#[cfg(test)]
mod tests;
