//! `pkce-audit fleet` against several loopback test orgs at once: mixed verdicts, an org
//! nobody listens for, a refused login, a sandbox that differs from the production org it
//! rehearses, every format, the exit codes, per-org waivers, `--out-dir`, and no token in
//! any output or file.

use crate::fake_org;
use crate::live_support as support;

use fake_org::{Config, FakeOrg};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::*;

mod edges;
mod outputs;
mod rehearsals;
mod values;

pub(crate) fn serve(dir: PathBuf) -> FakeOrg {
    FakeOrg::start(Config {
        org_dir: dir,
        ..Config::default()
    })
}

/// A loopback URL nobody listens on: a port the system just handed out, closed again.
fn unreachable_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", l.local_addr().unwrap())
}

/// The demo org as its sandbox has it: Legacy_Reporting never deployed, PKCE already
/// required on Customer_Portal, the user-agent flow blocked.
fn demo_sandbox(dir: &Path) {
    copy_dir(&fixture("demo-org"), dir);
    let md = dir.join("force-app/main/default");
    std::fs::remove_file(md.join("connectedApps/Legacy_Reporting.connectedApp-meta.xml")).unwrap();
    let edit = |rel: &str, from: &str, to: &str| {
        let p = md.join(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{rel}");
        std::fs::write(&p, text.replace(from, to)).unwrap();
    };
    edit(
        "connectedApps/Customer_Portal.connectedApp-meta.xml",
        "<isSecretRequiredForRefreshToken>",
        "<isPkceRequired>true</isPkceRequired>\n        <isSecretRequiredForRefreshToken>",
    );
    edit(
        "settings/OauthOidc.settings-meta.xml",
        "<blockOAuthUsrAgtFlow>false",
        "<blockOAuthUsrAgtFlow>true",
    );
}

/// A fleet's folder: the fleet file, token files, waivers; the binary runs inside it.
pub(crate) struct Fleet {
    dir: tempfile::TempDir,
    /// (base URL, the name it is shown as in snapshots)
    urls: Vec<(String, String)>,
}

impl Fleet {
    pub(crate) fn new() -> Fleet {
        Fleet {
            dir: tempfile::tempdir().unwrap(),
            urls: Vec::new(),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// An org reached with instance_url + access_token_file (`extra`: further keys).
    pub(crate) fn live(
        &mut self,
        toml: &mut String,
        name: &str,
        url: &str,
        token: &str,
        extra: &str,
    ) {
        let file = format!("tokens/{name}.token");
        std::fs::create_dir_all(self.path().join("tokens")).unwrap();
        std::fs::write(self.path().join(&file), format!("{token}\n")).unwrap();
        *toml += &format!(
            "[[org]]\nname = \"{name}\"\ninstance_url = \"{url}\"\naccess_token_file = \"{file}\"\n{extra}\n"
        );
        self.urls
            .push((url.to_string(), format!("http://[{name}]")));
    }

    /// The fleet file of a production org `prod` and its sandbox `uat`, which rehearses
    /// it, both live at these URLs.
    pub(crate) fn rehearsal(&mut self, prod: &str, uat: &str) {
        let mut toml = String::new();
        self.live(&mut toml, "prod", prod, TOKEN, "role = \"production\"");
        self.live(
            &mut toml,
            "uat",
            uat,
            TOKEN,
            "role = \"sandbox\"\nrehearses = \"prod\"",
        );
        self.write(&toml);
    }

    pub(crate) fn write(&self, toml: &str) {
        std::fs::write(self.path().join("fleet.toml"), toml).unwrap();
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// [`Fleet::run`] with further environment variables.
    fn run_env(&self, args: &[&str], envs: &[(&str, &Path)]) -> Run {
        pkce()
            .dir(self.path())
            .env("PKCE_AUDIT_TODAY", "2026-11-21")
            .args(["fleet", "--orgs", "fleet.toml"])
            .args(args)
            .envs(envs.iter().copied())
            .run()
    }

    /// Ports, folders and the clock, which change from run to run, named instead.
    fn redact(&self, text: &str) -> String {
        let mut t = text.to_string();
        for (url, shown) in &self.urls {
            t = t.replace(url, shown);
            // Transport errors name the host and port without the scheme.
            if let Some(host) = url.strip_prefix("http://") {
                t = t.replace(host, shown.trim_start_matches("http://"));
            }
        }
        t = t.replace(env!("CARGO_MANIFEST_DIR"), "[project]");
        t = t.replace(env!("CARGO_PKG_VERSION"), "[version]");
        redact_times(&t)
    }
}

/// Every RFC 3339 time written by the run (`2026-12-01T04:02:46Z`) as `[time]`.
fn redact_times(text: &str) -> String {
    let shape = "dddd-dd-ddTdd:dd:ddZ";
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let is_time = bytes.len() >= i + shape.len()
            && shape.bytes().zip(&bytes[i..]).all(|(s, b)| match s {
                b'd' => b.is_ascii_digit(),
                s => s == *b,
            });
        if is_time {
            out.push_str("[time]");
            i += shape.len();
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Production (the demo org) with a waiver of its own, its sandbox that differs, an org
/// with usage evidence, a ready org, a folder, and an org nobody listens for.
pub(crate) fn mixed() -> (Fleet, Vec<FakeOrg>) {
    let mut f = Fleet::new();
    let uat_dir = f.path().join("uat-org");
    demo_sandbox(&uat_dir);
    let orgs = vec![
        serve(fixture("demo-org")),
        serve(uat_dir),
        serve(fixture("evidence-org")),
        serve(fixture("ready-org")),
    ];
    std::fs::write(
        f.path().join("prod-waivers.toml"),
        "[[waiver]]\nrule = \"app-pkce-not-required\"\napp = \"ERP_Integration\"\nreason = \"JWT only (CAB-1)\"\napproved_by = \"cab\"\nexpires = 2027-01-31\n",
    )
    .unwrap();
    let mut toml = String::from("# the fleet under test\n");
    f.live(
        &mut toml,
        "acme-prod",
        &orgs[0].base_url,
        TOKEN,
        "role = \"production\"\nwaivers = \"prod-waivers.toml\"",
    );
    f.live(
        &mut toml,
        "acme-uat",
        &orgs[1].base_url,
        TOKEN,
        "role = \"sandbox\"\nrehearses = \"acme-prod\"",
    );
    f.live(&mut toml, "globex", &orgs[2].base_url, TOKEN, "");
    f.live(&mut toml, "initech", &orgs[3].base_url, TOKEN, "");
    toml += &format!(
        "[[org]]\nname = \"acme-archive\"\nsource = \"{}\"\n\n",
        fixture("enforced-org").display()
    );
    let gone = unreachable_url();
    f.live(&mut toml, "hooli", &gone, TOKEN, "");
    f.write(&toml);
    (f, orgs)
}

/// The item of the array `list` whose `field` is `value`.
fn item<'a>(list: &'a Value, field: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|o| o[field] == value)
        .unwrap_or_else(|| panic!("no {field} {value} in {list}"))
}

fn org<'a>(v: &'a Value, name: &str) -> &'a Value {
    item(&v["orgs"], "name", name)
}

#[test]
fn a_mixed_fleet_in_every_format() {
    let (f, orgs) = mixed();
    let r = f.run(&["--json", "--quiet", "--out-dir", "reports"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["verdict"], "not-ready");
    let verdicts: Vec<(&str, &str)> = v["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["name"].as_str().unwrap(), o["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("acme-prod", "not-ready"),
            ("acme-uat", "not-ready"),
            ("globex", "not-ready"),
            ("initech", "ready"),
            ("acme-archive", "enforced"),
            ("hooli", "incomplete"),
        ]
    );

    // The waiver applies to production only: one blocker fewer than its sandbox would have
    // on the same app.
    let prod = org(&v, "acme-prod");
    assert_eq!(prod["blockers"]["findings"], 7);
    assert!(!prod["blockers"]["org"]
        .as_array()
        .unwrap()
        .contains(&"ERP_Integration".into()));
    assert!(org(&v, "acme-uat")["blockers"]["org"]
        .as_array()
        .unwrap()
        .contains(&"ERP_Integration".into()));

    // Each org's API calls are those its own server counted.
    for (name, server) in [("acme-prod", &orgs[0]), ("globex", &orgs[2])] {
        let served: u64 = server
            .calls()
            .iter()
            .filter(|(k, _)| k.as_str() != "invalid_session")
            .map(|(_, n)| n)
            .sum();
        assert_eq!(org(&v, name)["api_calls"], served, "{name}");
    }
    assert!(org(&v, "acme-archive")["api_calls"].is_null());

    // The org nobody listens for: incomplete with its reason, and the others went on.
    let hooli = org(&v, "hooli");
    assert!(
        hooli["error"]
            .as_str()
            .unwrap()
            .contains("cannot read the API versions: 127.0.0.1:"),
        "{hooli}"
    );
    assert!(hooli["report"].is_null());

    // The rehearsal names what differs, the PKCE change it rehearses apart. The demo org
    // has an External Client App whose PKCE setting neither org could read, so it is not
    // called faithful or unfaithful.
    let h = &v["rehearsals"][0];
    assert_eq!(h["sandbox"], "acme-uat");
    assert!(h["faithful"].is_null(), "{h:#}");
    for (i, org) in ["acme-prod", "acme-uat"].iter().enumerate() {
        assert_eq!(h["unread"][i]["org"], *org);
        assert_eq!(
            h["unread"][i]["item"],
            "unknown PKCE setting on Analytics_Bridge"
        );
    }
    assert_eq!(h["only_in_production"][0]["name"], "Legacy_Reporting");
    assert_eq!(h["pkce_differs"], serde_json::json!([]));
    assert_eq!(h["rehearsed"][0]["name"], "Customer_Portal");
    assert_eq!(
        h["rehearsed"][0]["production_blockers"][0]["rule"],
        "app-pkce-not-required"
    );
    assert_eq!(h["org_settings"][0]["setting"], "blockOAuthUsrAgtFlow");
    assert!(!h["blockers_only_in_production"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["app"] == "Customer_Portal"));
    // The waived ERP_Integration blocker is the sandbox's alone.
    assert_eq!(h["blockers_only_in_sandbox"][0]["app"], "ERP_Integration");

    // Shared blockers and packages across orgs.
    let shared: Vec<&str> = v["shared_blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert!(shared.contains(&"acmecpq__CPQ_Connector"), "{shared:?}");
    let cpq = item(&v["packages"], "namespace", "acmecpq");
    let globex = item(&cpq["installs"], "org", "globex");
    assert_eq!(globex["version"], "3.2.1.7");
    assert_eq!(globex["blocking_apps"][0], "acmecpq__CPQ_Connector");

    // --out-dir: each audited org's full report, as `audit --json` writes it, linked.
    for o in v["orgs"].as_array().unwrap() {
        let Some(link) = o["report"].as_str() else {
            assert_eq!(o["name"], "hooli");
            continue;
        };
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(f.path().join(link)).unwrap()).unwrap();
        assert_eq!(report["verdict"], o["verdict"], "{link}");
        assert_eq!(report["summary"]["blockers"], o["blockers"]["findings"]);
    }
    let written: Vec<String> = walk(&f.path().join("reports"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        written,
        [
            "acme-archive.json",
            "acme-prod.json",
            "acme-uat.json",
            "globex.json",
            "initech.json"
        ]
    );
    assert_no_secrets_in_files(f.path().join("reports").as_path());

    let json = f.redact(&r.stdout);
    insta::assert_snapshot!("fleet_json", json);
    for format in ["table", "markdown", "csv"] {
        let r = f.run(&["--format", format, "--out-dir", "reports"]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        insta::assert_snapshot!(format!("fleet_{format}"), f.redact(&r.stdout));
    }
}

#[test]
fn the_fleet_report_goes_to_a_file_and_links_reports_beside_it() {
    let (f, _orgs) = mixed();
    let r = f.run(&[
        "--format",
        "markdown",
        "--output",
        "out/fleet.md",
        "--out-dir",
        "out/orgs",
        "--quiet",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let md = std::fs::read_to_string(f.path().join("out/fleet.md")).unwrap();
    assert!(
        md.contains("[orgs/acme-prod.json](orgs/acme-prod.json)"),
        "{md}"
    );
    // `--output -` is standard output.
    let r = f.run(&["--json", "--output", "-"]);
    assert_eq!(r.json()["orgs"].as_array().unwrap().len(), 6);
}

/// Apps of the org's own whose client runs at an outside host are counted among the org's
/// blockers and named for confirmation, in every format.
#[test]
fn clients_at_outside_hosts_are_named_among_who_must_act() {
    let f = Fleet::new();
    f.write(&format!(
        "[[org]]\nname = \"initech\"\nsource = \"{}\"\n",
        fixture("outside-org").display()
    ));
    let json = f.run(&["--json"]);
    json.status(1);
    let blockers = json.json()["orgs"][0]["blockers"].clone();
    assert_eq!(
        blockers["outside"],
        serde_json::json!(["Boomi_Sync", "Demandbase_ABM", "Vendor_Sync"]),
        "{blockers}"
    );
    let org: Vec<&str> = blockers["org"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(["Boomi_Sync", "Demandbase_ABM", "Vendor_Sync"]
        .iter()
        .all(|a| org.contains(a)));
    f.run(&[])
        .status(1)
        .stdout_has("our org 7 (3 at outside hosts)");
    let csv = f.run(&["--format", "csv"]);
    let header = csv.stdout.lines().next().unwrap();
    assert!(header.ends_with(",error,outside_client_apps"), "{header}");
    assert!(
        csv.stdout
            .lines()
            .nth(1)
            .unwrap()
            .ends_with("Boomi_Sync; Demandbase_ABM; Vendor_Sync"),
        "{}",
        csv.stdout
    );
}
