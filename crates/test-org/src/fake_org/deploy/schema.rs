//! The Metadata API schema a deploy is checked against: the complexType sequences and
//! enumerations of metadata-v66.wsdl (../shared/reference) reachable from the types this
//! org serves. `schema.xml` beside this file is that part of the WSDL, verbatim; the test
//! `the_subset_is_the_wsdls` regenerates it from the WSDL and fails when they differ
//! (`UPDATE_SCHEMA=1` rewrites it), so nothing here is copied by hand.

use pkce_audit_io::xml::{Element, METADATA_NS};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The subset of metadata-v66.wsdl the checks use (see the module comment).
const SUBSET: &str = include_str!("schema.xml");

/// One element of a sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// `xsd:boolean`, or the local name of a WSDL type (`ConnectedAppOauthConfig`).
    pub ty: String,
    pub repeats: bool,
    /// `nillable="true"` in the WSDL: only then may the element carry `xsi:nil="true"`
    /// (XML Schema Part 1, §3.3.4 "Element Locally Valid (Element)" 3.1).
    pub nillable: bool,
}

/// An element the v66 schema lacks that a deploy accepts anyway, in its place: in
/// `in_type`'s sequence right after `after` (first when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extra {
    pub in_type: String,
    pub name: String,
    pub after: Option<String>,
    /// As [`Field::ty`]; `xsd:anyType` takes any content.
    pub ty: String,
}

/// Fields real orgs emit on retrieve that are newer than metadata-v66.wsdl, so a
/// retrieve → deploy round trip must take them: (type, element, the element it follows
/// in retrieved files, its type, the retrieved file in ../shared/corpus that shows it).
const POST_V66: &[(&str, &str, &str, &str, &str)] = &[
    (
        "ExtlClntAppGlobalOauthSettings",
        "isEnforceRefreshTokenTTL",
        "isDeviceFlowEnabled",
        "xsd:boolean",
        "external-client-apps/imdilipsubramaniam__DssOrg__Postman_Practice_glbloauth.ecaGlblOauth-meta.xml",
    ),
    (
        "ExtlClntAppOauthConfigurablePolicies",
        "isNamedUserJwtEnabled",
        "isGuestCodeCredFlowEnabled",
        "xsd:boolean",
        "external-client-apps/chrzasz__sf-th-eca-via-metadata__ecaViaMetadataSettings_defaultPolicy.ecaOauthPlcy-meta.xml",
    ),
    (
        "OauthOidcSettings",
        "enableHdlessFgtPswFlow",
        "blockOAuthUsrAgtFlow",
        "xsd:boolean",
        "settings/craig-jackson-ideascience__DEV__OauthOidc.settings-meta.xml",
    ),
];

/// The known post-v66 fields ([`POST_V66`]).
pub fn post_v66() -> Vec<Extra> {
    POST_V66
        .iter()
        .map(|(in_type, name, after, ty, _source)| Extra {
            in_type: in_type.to_string(),
            name: name.to_string(),
            after: Some(after.to_string()),
            ty: ty.to_string(),
        })
        .collect()
}

#[derive(Debug, Default)]
pub struct Schema {
    /// complexType → its full sequence (a base type's elements first).
    complex: BTreeMap<String, Vec<Field>>,
    /// simpleType → its enumeration values.
    enums: BTreeMap<String, Vec<String>>,
}

/// What a value or element breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// An element the type does not have, or has only earlier in its sequence, or in
    /// another namespace than the Metadata API's (`ns`), or inside a simple-typed element.
    InvalidLocation {
        ns: String,
        element: String,
        in_type: String,
    },
    /// A value its simple type does not allow.
    InvalidValue { value: String, ty: String },
    /// Text in a complex-typed element (element-only content, WSDL `xsd:sequence`).
    TextNotAllowed { text: String, in_type: String },
    /// `xsi:nil="true"` on an element the WSDL does not declare nillable.
    NotNillable { element: String, in_type: String },
}

impl Schema {
    /// The schema of the served types, parsed once.
    pub fn get() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            let root = pkce_audit_io::xml::parse(SUBSET.as_bytes()).expect("schema.xml parses");
            Schema::from_schema(&root)
        })
    }

    fn from_schema(schema: &Element) -> Schema {
        let mut own: BTreeMap<String, (Option<String>, Vec<Field>)> = BTreeMap::new();
        let mut enums = BTreeMap::new();
        for t in &schema.children {
            let Some(name) = t.attr("name") else { continue };
            match t.name.as_str() {
                "complexType" => {
                    let base = t.find("extension").and_then(|e| e.attr("base")).map(local);
                    let fields = t
                        .find("sequence")
                        .map(|s| {
                            s.children_named("element")
                                .filter_map(|e| {
                                    Some(Field {
                                        name: e.attr("name")?.to_string(),
                                        ty: e.attr("type").map(type_name)?,
                                        repeats: e.attr("maxOccurs") == Some("unbounded"),
                                        nillable: e.attr("nillable") == Some("true"),
                                    })
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    own.insert(name.to_string(), (base, fields));
                }
                "simpleType" => {
                    let values = t
                        .find("restriction")
                        .map(|r| {
                            r.children_named("enumeration")
                                .filter_map(|v| v.attr("value").map(String::from))
                                .collect()
                        })
                        .unwrap_or_default();
                    enums.insert(name.to_string(), values);
                }
                _ => {}
            }
        }
        let complex = own
            .keys()
            .map(|name| {
                let mut chain = Vec::new();
                let mut cur = Some(name.clone());
                while let Some(n) = cur {
                    let Some((base, fields)) = own.get(&n) else {
                        break;
                    };
                    chain.push(fields.clone());
                    cur = base.clone();
                }
                (name.clone(), chain.into_iter().rev().flatten().collect())
            })
            .collect();
        Schema { complex, enums }
    }

    pub fn has_type(&self, name: &str) -> bool {
        self.complex.contains_key(name)
    }

    /// The elements of `el` (an instance of `ty`), at any depth, that the schema does
    /// not define, each placed after the element before it: what an org serves beyond
    /// v66 (a real org emits such elements on retrieve).
    pub fn extras_in(&self, el: &Element, ty: &str, out: &mut Vec<Extra>) {
        let Some(fields) = self.complex.get(ty) else {
            return;
        };
        let mut after: Option<String> = None;
        for child in el.children.iter().filter(|c| c.is_metadata()) {
            match fields.iter().find(|f| f.name == child.name) {
                Some(f) => self.extras_in(child, &f.ty, out),
                None => {
                    let extra = Extra {
                        in_type: ty.to_string(),
                        name: child.name.clone(),
                        after: after.clone(),
                        ty: if child.children.is_empty() {
                            "xsd:string"
                        } else {
                            "xsd:anyType"
                        }
                        .to_string(),
                    };
                    if !out
                        .iter()
                        .any(|e| e.in_type == extra.in_type && e.name == extra.name)
                    {
                        out.push(extra);
                    }
                }
            }
            after = Some(child.name.clone());
        }
    }

    /// `ty`'s sequence with the `extras` of that type in their places.
    fn fields_with<'s>(&'s self, ty: &str, extras: &[Extra]) -> Option<Cow<'s, [Field]>> {
        let fields = self.complex.get(ty)?;
        let mine: Vec<&Extra> = extras.iter().filter(|e| e.in_type == ty).collect();
        if mine.is_empty() {
            return Some(Cow::Borrowed(fields));
        }
        let mut all = fields.clone();
        for e in mine {
            if all.iter().any(|f| f.name == e.name) {
                continue;
            }
            let at = e
                .after
                .as_ref()
                .and_then(|a| all.iter().position(|f| &f.name == a))
                .map_or(0, |i| i + 1);
            all.insert(
                at,
                Field {
                    name: e.name.clone(),
                    ty: e.ty.clone(),
                    repeats: false,
                    nillable: false,
                },
            );
        }
        Some(Cow::Owned(all))
    }

    /// Checks `el` as an instance of complexType `ty`: no text of its own, every child in
    /// the Metadata API namespace and in its sequence place (an unknown element is
    /// "invalid at this location" too, as Salesforce words both), `xsi:nil` only where
    /// nillable, every simple value of its type. Returns the first violation and the
    /// element at it.
    pub fn check<'a>(&self, el: &'a Element, ty: &str) -> Option<(Violation, &'a Element)> {
        self.check_with(el, ty, &[])
    }

    /// [`Schema::check`], with `extras` accepted in their places.
    pub fn check_with<'a>(
        &self,
        el: &'a Element,
        ty: &str,
        extras: &[Extra],
    ) -> Option<(Violation, &'a Element)> {
        let fields = self.fields_with(ty, extras)?;
        if !el.text.is_empty() {
            return Some((
                Violation::TextNotAllowed {
                    text: el.text.clone(),
                    in_type: ty.to_string(),
                },
                el,
            ));
        }
        let mut at = 0;
        for child in &el.children {
            let found = fields
                .iter()
                .enumerate()
                .skip(at)
                .find(|(_, f)| f.name == child.name)
                .filter(|_| child.ns.as_deref() == Some(METADATA_NS));
            let Some((i, field)) = found else {
                return Some((invalid_location(child, ty), child));
            };
            at = if field.repeats { i } else { i + 1 };
            if child.is_nil() {
                if !field.nillable {
                    return Some((
                        Violation::NotNillable {
                            element: child.name.clone(),
                            in_type: ty.to_string(),
                        },
                        child,
                    ));
                }
                continue;
            }
            if let Some(v) = self.check_value(child, &field.ty, extras) {
                return Some(v);
            }
        }
        None
    }

    fn check_value<'a>(
        &self,
        el: &'a Element,
        ty: &str,
        extras: &[Extra],
    ) -> Option<(Violation, &'a Element)> {
        if self.complex.contains_key(ty) {
            return self.check_with(el, ty, extras);
        }
        if ty == "xsd:anyType" {
            return None;
        }
        // A simple type has text only: any element inside is out of place.
        if let Some(child) = el.children.first() {
            return Some((invalid_location(child, local(ty).as_str()), child));
        }
        let v = el.text.as_str();
        let ok = match ty {
            "xsd:boolean" => matches!(v, "true" | "false" | "1" | "0"),
            "xsd:int" | "xsd:long" => v.parse::<i64>().is_ok(),
            "xsd:double" => v.parse::<f64>().is_ok(),
            _ => match self.enums.get(ty) {
                Some(values) if !values.is_empty() => values.iter().any(|x| x == v),
                // Strings, dates, base64 and restrictions without an enumeration.
                _ => true,
            },
        };
        (!ok).then(|| {
            (
                Violation::InvalidValue {
                    value: v.to_string(),
                    ty: ty.to_string(),
                },
                el,
            )
        })
    }
}

fn invalid_location(el: &Element, in_type: &str) -> Violation {
    Violation::InvalidLocation {
        ns: el.ns.clone().unwrap_or_default(),
        element: el.name.clone(),
        in_type: in_type.to_string(),
    }
}

fn local(qname: &str) -> String {
    qname.rsplit(':').next().unwrap_or(qname).to_string()
}

/// `xsd:` types keep their prefix (they are checked by name); `tns:` types lose it.
fn type_name(qname: &str) -> String {
    if qname.starts_with("xsd:") {
        qname.to_string()
    } else {
        local(qname)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pkce_audit_io::metadata::ALL_TYPES;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// The opening of `schema.xml`: the prefixes the WSDL's type references use.
    const SUBSET_OPEN: &str = "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:tns=\"http://soap.sforce.com/2006/04/metadata\">\n";

    /// The part of the WSDL reachable from `roots`, as `schema.xml` holds it: each type's
    /// text verbatim, in WSDL order, inside [`SUBSET_OPEN`].
    fn subset_of_wsdl(wsdl: &[u8], roots: &[&str]) -> Result<String, String> {
        let text = std::str::from_utf8(wsdl).map_err(|e| e.to_string())?;
        let root = pkce_audit_io::xml::parse(wsdl).map_err(|e| e.to_string())?;
        let schema = root
            .find("schema")
            .ok_or_else(|| "no xsd:schema in the WSDL".to_string())?;
        let by_name: BTreeMap<&str, &Element> = schema
            .children
            .iter()
            .filter(|t| matches!(t.name.as_str(), "complexType" | "simpleType"))
            .filter_map(|t| Some((t.attr("name")?, t)))
            .collect();
        let mut wanted: BTreeSet<&str> = BTreeSet::new();
        let mut todo: Vec<String> = roots.iter().map(|r| r.to_string()).collect();
        while let Some(name) = todo.pop() {
            let Some((&key, t)) = by_name.get_key_value(name.as_str()) else {
                continue;
            };
            if !wanted.insert(key) {
                continue;
            }
            let mut refs = Vec::new();
            collect_refs(t, &mut refs);
            todo.extend(refs);
        }
        let mut out = String::from(SUBSET_OPEN);
        for t in schema.children.iter().filter(|t| {
            t.attr("name")
                .is_some_and(|n| wanted.contains(n) && by_name.get(n) == Some(t))
        }) {
            out.push_str("   ");
            out.push_str(&text[t.span.start..t.span.end]);
            out.push('\n');
        }
        out.push_str("</xsd:schema>\n");
        Ok(out)
    }

    fn collect_refs(el: &Element, out: &mut Vec<String>) {
        for key in ["type", "base"] {
            if let Some(v) = el.attr(key).filter(|v| v.starts_with("tns:")) {
                out.push(local(v));
            }
        }
        el.children.iter().for_each(|c| collect_refs(c, out));
    }

    fn roots() -> Vec<&'static str> {
        ALL_TYPES
            .iter()
            .map(|t| t.name)
            .chain(["Package"])
            .collect()
    }

    #[test]
    fn the_subset_is_the_wsdls() {
        let wsdl = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/reference/metadata-v66.wsdl");
        let Ok(bytes) = std::fs::read(&wsdl) else {
            eprintln!(
                "notice: {} not found; schema.xml not compared",
                wsdl.display()
            );
            return;
        };
        let fresh = subset_of_wsdl(&bytes, &roots()).expect("the WSDL parses");
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/fake_org/deploy/schema.xml");
            std::fs::write(here, &fresh).expect("schema.xml is writable");
            return;
        }
        assert!(fresh == SUBSET, "schema.xml is stale: run UPDATE_SCHEMA=1 cargo test -p pkce-audit-test-org the_subset_is_the_wsdls");
    }

    #[test]
    fn every_served_type_is_in_the_schema() {
        let s = Schema::get();
        // ExtlClntAppOauthSecuritySettings is newer than v66 (salesforce-api.md §2).
        for r in roots() {
            assert_eq!(
                s.has_type(r),
                r != "ExtlClntAppOauthSecuritySettings",
                "{r}"
            );
        }
        // The base type's elements come first.
        assert_eq!(s.complex["ConnectedApp"][0].name, "fullName");
    }

    /// `xml` with its root in the Metadata API namespace (the root tag has no attributes).
    fn parse(xml: &str) -> Element {
        let xml = xml.replacen('>', &format!(" xmlns=\"{METADATA_NS}\">"), 1);
        pkce_audit_io::xml::parse(xml.as_bytes()).unwrap()
    }

    #[test]
    fn extras_are_accepted_in_their_place_and_nothing_else() {
        let s = Schema::get();
        let known = post_v66();
        let ttl = parse("<ExtlClntAppGlobalOauthSettings><isDeviceFlowEnabled>false</isDeviceFlowEnabled><isEnforceRefreshTokenTTL>false</isEnforceRefreshTokenTTL><isIntrospectAllTokens>false</isIntrospectAllTokens></ExtlClntAppGlobalOauthSettings>");
        assert!(s.check(&ttl, "ExtlClntAppGlobalOauthSettings").is_some());
        assert_eq!(
            s.check_with(&ttl, "ExtlClntAppGlobalOauthSettings", &known),
            None
        );
        let misplaced = parse("<ExtlClntAppGlobalOauthSettings><isIntrospectAllTokens>false</isIntrospectAllTokens><isEnforceRefreshTokenTTL>false</isEnforceRefreshTokenTTL></ExtlClntAppGlobalOauthSettings>");
        assert!(s
            .check_with(&misplaced, "ExtlClntAppGlobalOauthSettings", &known)
            .is_some());
        let bad_value = parse("<OauthOidcSettings><enableHdlessFgtPswFlow>maybe</enableHdlessFgtPswFlow></OauthOidcSettings>");
        assert!(s
            .check_with(&bad_value, "OauthOidcSettings", &known)
            .is_some());
        let unknown = parse(
            "<OauthOidcSettings><enableEverything>true</enableEverything></OauthOidcSettings>",
        );
        assert!(s
            .check_with(&unknown, "OauthOidcSettings", &known)
            .is_some());

        // What a served file carries beyond v66, nested too, in its place.
        let served = parse("<ConnectedApp><label>A</label><newThing>x</newThing><oauthConfig><callbackUrl>https://x</callbackUrl><newFlag>true</newFlag></oauthConfig></ConnectedApp>");
        let mut extras = Vec::new();
        s.extras_in(&served, "ConnectedApp", &mut extras);
        assert_eq!(
            extras
                .iter()
                .map(|e| (e.in_type.as_str(), e.name.as_str(), e.after.as_deref()))
                .collect::<Vec<_>>(),
            [
                ("ConnectedApp", "newThing", Some("label")),
                ("ConnectedAppOauthConfig", "newFlag", Some("callbackUrl"))
            ]
        );
        assert_eq!(s.check_with(&served, "ConnectedApp", &extras), None);
        let elsewhere =
            parse("<ConnectedApp><newThing>x</newThing><label>A</label></ConnectedApp>");
        assert!(s.check_with(&elsewhere, "ConnectedApp", &extras).is_some());
    }

    /// Every corpus file of a served type that is in WSDL order passes with the known
    /// post-v66 fields: none is refused for an element Salesforce emits. (A file with a
    /// v66 element out of its place is not in WSDL order and is skipped.)
    #[test]
    fn corpus_files_in_wsdl_order_pass_with_the_post_v66_fields() {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
        let Ok(dirs) = std::fs::read_dir(&corpus) else {
            eprintln!("notice: {} not found; corpus not checked", corpus.display());
            return;
        };
        let s = Schema::get();
        let known = post_v66();
        let (mut examined, mut refused) = (0, Vec::new());
        let mut paths: Vec<_> = dirs
            .filter_map(|d| std::fs::read_dir(d.ok()?.path()).ok())
            .flatten()
            .filter_map(|f| Some(f.ok()?.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "xml"))
            .collect();
        paths.sort();
        for path in paths {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Ok(root) = pkce_audit_io::xml::parse(&bytes) else {
                continue;
            };
            if !s.has_type(&root.name) || !root.is_metadata() {
                continue;
            }
            let Some((v, _)) = s.check_with(&root, &root.name, &known) else {
                examined += 1;
                continue;
            };
            // Refused for an element its type does not define at all: a miss.
            if let Violation::InvalidLocation {
                element, in_type, ..
            } = &v
            {
                let defined = s
                    .complex
                    .get(in_type)
                    .is_some_and(|f| f.iter().any(|f| &f.name == element));
                if !defined {
                    refused.push(format!("{}: {v:?}", path.display()));
                    continue;
                }
            }
            examined += 1;
        }
        assert!(refused.is_empty(), "{refused:#?}");
        assert!(examined > 10, "{examined}");
    }

    /// Item by item, what the check missed before it compared namespaces and content.
    #[test]
    fn namespaces_content_and_nil_are_checked() {
        let s = Schema::get();
        let other_ns = parse("<ConnectedApp><label xmlns=\"urn:evil\">A</label></ConnectedApp>");
        assert_eq!(
            s.check(&other_ns, "ConnectedApp").unwrap().0,
            Violation::InvalidLocation {
                ns: "urn:evil".into(),
                element: "label".into(),
                in_type: "ConnectedApp".into()
            }
        );
        let no_ns = parse("<ConnectedApp><label xmlns=\"\">A</label></ConnectedApp>");
        assert!(s.check(&no_ns, "ConnectedApp").is_some());
        let markup = parse("<ConnectedApp><label>Legacy <b>Reports</b></label></ConnectedApp>");
        let (v, el) = s.check(&markup, "ConnectedApp").unwrap();
        assert_eq!(el.name, "b");
        assert!(matches!(v, Violation::InvalidLocation { in_type, .. } if in_type == "string"));
        let text = parse("<ConnectedApp><oauthConfig>hello<callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>");
        assert_eq!(
            s.check(&text, "ConnectedApp").unwrap().0,
            Violation::TextNotAllowed {
                text: "hello".into(),
                in_type: "ConnectedAppOauthConfig".into()
            }
        );
        let spaces = parse("<ConnectedApp>\n  <oauthConfig>\n    <callbackUrl>https://x</callbackUrl>\n  </oauthConfig>\n</ConnectedApp>");
        assert_eq!(s.check(&spaces, "ConnectedApp"), None);
        let xsi = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";
        let nil = parse(&format!(
            "<OauthOidcSettings><isPkceRequired {xsi} xsi:nil=\"true\"/></OauthOidcSettings>"
        ));
        assert_eq!(
            s.check(&nil, "OauthOidcSettings").unwrap().0,
            Violation::NotNillable {
                element: "isPkceRequired".into(),
                in_type: "OauthOidcSettings".into()
            }
        );
        // flowDefaultAccount is nillable="true" in the WSDL.
        let nillable = parse(&format!(
            "<AuthProvider><flowDefaultAccount {xsi} xsi:nil=\"true\"/></AuthProvider>"
        ));
        assert_eq!(s.check(&nillable, "AuthProvider"), None);
    }

    #[test]
    fn order_unknown_elements_and_values_are_checked() {
        let s = Schema::get();
        let good = parse("<ConnectedApp><contactEmail>a@b.c</contactEmail><label>A</label><oauthConfig><callbackUrl>https://x</callbackUrl><consumerKey>k</consumerKey><isPkceRequired>true</isPkceRequired><scopes>Api</scopes><scopes>Web</scopes></oauthConfig></ConnectedApp>");
        assert_eq!(s.check(&good, "ConnectedApp"), None);
        let late = parse("<ConnectedApp><label>A</label><oauthConfig><isPkceRequired>true</isPkceRequired><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>");
        let (v, el) = s.check(&late, "ConnectedApp").unwrap();
        assert_eq!(
            v,
            Violation::InvalidLocation {
                ns: METADATA_NS.into(),
                element: "callbackUrl".into(),
                in_type: "ConnectedAppOauthConfig".into()
            }
        );
        assert_eq!(el.name, "callbackUrl");
        let unknown =
            parse("<OauthOidcSettings><isPkceRequird>true</isPkceRequird></OauthOidcSettings>");
        assert!(matches!(
            s.check(&unknown, "OauthOidcSettings"),
            Some((Violation::InvalidLocation { .. }, _))
        ));
        let twice = parse("<OauthOidcSettings><isPkceRequired>true</isPkceRequired><isPkceRequired>true</isPkceRequired></OauthOidcSettings>");
        assert!(s.check(&twice, "OauthOidcSettings").is_some());
        let value =
            parse("<OauthOidcSettings><isPkceRequired>yes</isPkceRequired></OauthOidcSettings>");
        assert_eq!(
            s.check(&value, "OauthOidcSettings").unwrap().0,
            Violation::InvalidValue {
                value: "yes".into(),
                ty: "xsd:boolean".into()
            }
        );
        let scopes = parse(
            "<ConnectedApp><oauthConfig><scopes>Everything</scopes></oauthConfig></ConnectedApp>",
        );
        assert!(matches!(
            s.check(&scopes, "ConnectedApp"),
            Some((Violation::InvalidValue { .. }, _))
        ));
    }
}
