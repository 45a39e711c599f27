//! Synthetic orgs of any size, deterministic by seed: an SFDX project with N Connected
//! Apps and M External Client Apps (each split over its child files), a mix of PKCE
//! settings, flows, public clients and namespaces. Used by the scale bench and tests;
//! `cargo run --example synth_org -- --help` writes one to a folder.

use std::fmt::Write as _;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct Spec {
    pub connected_apps: usize,
    pub external_client_apps: usize,
    pub seed: u64,
    /// Share of apps that come from installed packages (other namespaces).
    pub packaged_share: f64,
    /// Write settings/OauthOidc.settings-meta.xml.
    pub with_settings: bool,
    /// Write usage evidence as the test org serves it (`evidence/<Object>.json` raw rows):
    /// tokens and logins for most apps, some vendor apps defined elsewhere.
    pub with_evidence: bool,
    /// Every app requires PKCE and so does the org setting: the org after step 3, as
    /// `verify` sees it. Off, the mix above (the same draws either way).
    pub pkce_required: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            connected_apps: 100,
            external_client_apps: 25,
            seed: 1,
            packaged_share: 0.1,
            with_settings: true,
            with_evidence: false,
            pkce_required: false,
        }
    }
}

const NS: &[&str] = &["acmecpq", "vendorx", "docsign", "mapsy", "hrflow"];
const HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const XMLNS: &str = "xmlns=\"http://soap.sforce.com/2006/04/metadata\"";

/// What was written, so callers can check counts.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    pub files: usize,
    pub bytes: u64,
}

fn write(dir: &Path, folder: &str, name: &str, suffix: &str, body: &str, w: &mut Written) {
    let d = dir.join("force-app/main/default").join(folder);
    std::fs::create_dir_all(&d).unwrap();
    let path = d.join(format!("{name}.{suffix}-meta.xml"));
    std::fs::write(&path, body).unwrap();
    w.files += 1;
    w.bytes += body.len() as u64;
}

fn flag(out: &mut String, name: &str, v: bool) {
    let _ = writeln!(out, "        <{name}>{v}</{name}>");
}

fn connected_app(rng: &mut fastrand::Rng, label: &str, pkce_required: bool) -> String {
    let mut s = format!("{HEADER}<ConnectedApp {XMLNS}>\n    <contactEmail>owner{}@example.com</contactEmail>\n    <label>{label}</label>\n", rng.u32(..1000));
    let kind = rng.u8(..100);
    if kind < 5 {
        s.push_str("    <samlConfig>\n        <acsUrl>https://sso.example.com/acs</acsUrl>\n        <entityUrl>https://sso.example.com</entityUrl>\n    </samlConfig>\n</ConnectedApp>\n");
        return s;
    }
    s.push_str("    <oauthConfig>\n");
    let cb = if rng.u8(..100) < 5 {
        "http://legacy.example.com/cb".to_string()
    } else {
        format!(
            "https://app{}.example.com/oauth/callback\nhttps://staging{}.example.com/cb",
            rng.u32(..9999),
            rng.u32(..9999)
        )
    };
    let _ = writeln!(s, "        <callbackUrl>{cb}</callbackUrl>");
    let _ = writeln!(
        s,
        "        <consumerKey>3MVG9SYNTH{}</consumerKey>",
        rng.u64(..)
    );
    if rng.u8(..100) < 5 {
        flag(&mut s, "isCodeCredentialEnabled", true);
    }
    flag(&mut s, "isConsumerSecretOptional", rng.u8(..100) < 10);
    match rng.u8(..100) {
        _ if pkce_required => flag(&mut s, "isPkceRequired", true),
        0..=39 => flag(&mut s, "isPkceRequired", true),
        40..=69 => flag(&mut s, "isPkceRequired", false),
        _ => {} // absent: the Connected App default (false)
    }
    s.push_str(
        "        <scopes>Api</scopes>\n        <scopes>RefreshToken</scopes>\n    </oauthConfig>\n",
    );
    s.push_str("    <oauthPolicy>\n        <ipRelaxation>ENFORCE</ipRelaxation>\n        <refreshTokenPolicy>infinite</refreshTokenPolicy>\n    </oauthPolicy>\n</ConnectedApp>\n");
    s
}

/// Raw OauthToken, LoginHistory and ConnectedApplication rows for the given app labels,
/// with user ids the reports must never show. Dates fall inside the test org's 90-day
/// window (its clock is fixed at 2026-11-21).
fn write_evidence(dir: &Path, labels: &[String], rng: &mut fastrand::Rng) {
    let d = dir.join("evidence");
    std::fs::create_dir_all(&d).unwrap();
    let (mut tokens, mut logins, mut apps) = (Vec::new(), Vec::new(), Vec::new());
    let vendors: Vec<String> = (0..labels.len() / 20)
        .map(|i| format!("Vendor Tool {i}"))
        .collect();
    for (i, label) in labels.iter().chain(&vendors).enumerate() {
        apps.push(format!(
            r#"{{"attributes":{{"type":"ConnectedApplication"}},"Id":"0H4SYNTH{i:010}","Name":"{label}"}}"#
        ));
        // A quarter of the apps are dormant: no token, no login.
        if rng.u8(..4) == 0 {
            continue;
        }
        for t in 0..rng.u8(1..4) {
            tokens.push(format!(
                r#"{{"attributes":{{"type":"OauthToken"}},"Id":null,"AppName":"{label}","UserId":"005SYNTHUSER{:06}","UseCount":{},"LastUsedDate":"2026-11-{:02}T10:00:00.000+0000"}}"#,
                (i * 3 + t as usize) % 500,
                rng.u32(1..500),
                rng.u8(1..20)
            ));
        }
        let sub = [
            "OauthWebServer",
            "OauthRefreshToken",
            "OauthClientCredentials",
            "OauthUsernamePassword",
        ][rng.usize(..4)];
        for l in 0..rng.u8(1..4) {
            logins.push(format!(
                r#"{{"attributes":{{"type":"LoginHistory"}},"Id":"0YaSYNTH{i:07}{l}","UserId":"005SYNTHUSER{:06}","LoginTime":"2026-11-{:02}T09:00:00.000+0000","LoginType":"Remote Access 2.0","LoginSubType":"{sub}","Application":"{label}","Status":"Success"}}"#,
                i % 500,
                rng.u8(1..20)
            ));
        }
    }
    for (name, rows) in [
        ("OauthToken", tokens),
        ("LoginHistory", logins),
        ("ConnectedApplication", apps),
    ] {
        std::fs::write(
            d.join(format!("{name}.json")),
            format!("[\n{}\n]\n", rows.join(",\n")),
        )
        .unwrap();
    }
}

/// Writes the org and returns how many files and bytes.
pub fn generate(dir: &Path, spec: &Spec) -> Written {
    let mut rng = fastrand::Rng::with_seed(spec.seed);
    let mut w = Written::default();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("sfdx-project.json"),
        "{\n  \"packageDirectories\": [{\"path\": \"force-app\", \"default\": true}],\n  \"namespace\": \"\",\n  \"sourceApiVersion\": \"63.0\"\n}\n",
    )
    .unwrap();
    if spec.with_settings {
        let body = format!("{HEADER}<OauthOidcSettings {XMLNS}>\n    <blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>\n    <blockOAuthUsrAgtFlow>false</blockOAuthUsrAgtFlow>\n    <isPkceRequired>{}</isPkceRequired>\n    <oAuthCdCrdtFlowEnable>false</oAuthCdCrdtFlowEnable>\n</OauthOidcSettings>\n", spec.pkce_required);
        write(dir, "settings", "OauthOidc", "settings", &body, &mut w);
    }
    let name = |rng: &mut fastrand::Rng, base: String| {
        if rng.f64() < spec.packaged_share {
            format!("{}__{base}", NS[rng.usize(..NS.len())])
        } else {
            base
        }
    };
    for i in 0..spec.connected_apps {
        let n = name(&mut rng, format!("Synth_CA_{i:05}"));
        let body = connected_app(
            &mut rng,
            &format!("Synthetic connected app {i}"),
            spec.pkce_required,
        );
        write(dir, "connectedApps", &n, "connectedApp", &body, &mut w);
    }
    for j in 0..spec.external_client_apps {
        let n = name(&mut rng, format!("Synth_ECA_{j:05}"));
        let packaged = n.contains("__");
        let header = format!(
            "{HEADER}<ExternalClientApplication {XMLNS}>\n    <contactEmail>eca{j}@example.com</contactEmail>\n    <distributionState>{}</distributionState>\n    <isProtected>false</isProtected>\n    <label>Synthetic ECA {j}</label>\n</ExternalClientApplication>\n",
            if packaged { "Packaged" } else { "Local" }
        );
        write(dir, "externalClientApps", &n, "eca", &header, &mut w);
        let oauth = format!("{HEADER}<ExtlClntAppOauthSettings {XMLNS}>\n    <commaSeparatedOauthScopes>Api, RefreshToken</commaSeparatedOauthScopes>\n    <externalClientApplication>{n}</externalClientApplication>\n    <label>{n}_oauth</label>\n</ExtlClntAppOauthSettings>\n");
        write(
            dir,
            "extlClntAppOauthSettings",
            &format!("{n}_oauth"),
            "ecaOauth",
            &oauth,
            &mut w,
        );
        // Packaged apps keep their global settings in the publisher's org; some local ones
        // were not retrieved.
        if packaged || rng.u8(..100) < 10 {
            continue;
        }
        let mut g = format!("{HEADER}<ExtlClntAppGlobalOauthSettings {XMLNS}>\n    <callbackUrl>https://eca{j}.example.com/cb</callbackUrl>\n    <consumerKey>3MVG9SYNTHECA{}</consumerKey>\n    <externalClientApplication>{n}</externalClientApplication>\n", rng.u64(..));
        let fields = &mut g;
        flag(fields, "isClientCredentialsFlowEnabled", rng.bool());
        flag(fields, "isCodeCredFlowEnabled", rng.u8(..100) < 5);
        flag(fields, "isConsumerSecretOptional", rng.u8(..100) < 10);
        match rng.u8(..100) {
            _ if spec.pkce_required => flag(fields, "isPkceRequired", true),
            0..=59 => flag(fields, "isPkceRequired", true),
            60..=89 => flag(fields, "isPkceRequired", false),
            _ => {} // absent: the ECA default (true)
        }
        let _ = writeln!(
            g,
            "    <label>{n}_glbloauth</label>\n</ExtlClntAppGlobalOauthSettings>"
        );
        write(
            dir,
            "extlClntAppGlobalOauthSets",
            &format!("{n}_glbloauth"),
            "ecaGlblOauth",
            &g,
            &mut w,
        );
        let plcy = format!("{HEADER}<ExtlClntAppOauthConfigurablePolicies {XMLNS}>\n    <externalClientApplication>{n}</externalClientApplication>\n    <isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>\n    <label>{n}_oauthPlcy</label>\n    <permittedUsersPolicyType>AllSelfAuthorized</permittedUsersPolicyType>\n</ExtlClntAppOauthConfigurablePolicies>\n");
        write(
            dir,
            "extlClntAppOauthPolicies",
            &format!("{n}_oauthPlcy"),
            "ecaOauthPlcy",
            &plcy,
            &mut w,
        );
        let p = format!("{HEADER}<ExtlClntAppConfigurablePolicies {XMLNS}>\n    <externalClientApplication>{n}</externalClientApplication>\n    <isEnabled>true</isEnabled>\n    <isOauthPluginEnabled>true</isOauthPluginEnabled>\n    <label>{n}_plcy</label>\n</ExtlClntAppConfigurablePolicies>\n");
        write(
            dir,
            "extlClntAppPolicies",
            &format!("{n}_plcy"),
            "ecaPlcy",
            &p,
            &mut w,
        );
    }
    if spec.with_evidence {
        let labels: Vec<String> = (0..spec.connected_apps)
            .map(|i| format!("Synthetic connected app {i}"))
            .chain((0..spec.external_client_apps).map(|j| format!("Synthetic ECA {j}")))
            .collect();
        write_evidence(dir, &labels, &mut rng);
    }
    w
}
