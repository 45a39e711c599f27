use super::*;
use crate::salesforce::TokenSource;

fn err(text: &str) -> String {
    let e = parse(text, Path::new("fleet.toml")).expect_err("the file is refused");
    let s = e.to_string();
    assert!(!s.contains('\n'), "one line: {s}");
    s
}

#[test]
fn the_documented_example_parses_with_paths_beside_it() {
    let file = Path::new("docs/fleet.example.toml");
    let c = parse(include_str!("../../../../docs/fleet.example.toml"), file).unwrap();
    let names: Vec<&str> = c.orgs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        names,
        ["acme-prod", "acme-uat", "acme-emea", "acme-emea-snapshot"]
    );
    let uat = c.org("acme-uat").unwrap();
    assert_eq!(uat.role, Some(Role::Sandbox));
    assert_eq!(uat.rehearses.as_deref(), Some("acme-prod"));
    assert!(matches!(&uat.input,
        OrgInput::Live(Connection::AuthUrlFile(p)) if p == Path::new("docs/auth/acme-uat.authurl")));
    let emea = c.org("acme-emea").unwrap();
    match &emea.input {
        OrgInput::Live(Connection::AccessToken {
            instance_url,
            token: TokenSource::File(p),
        }) => {
            assert_eq!(instance_url, "https://acme-emea.my.salesforce.com");
            assert_eq!(p, Path::new("docs/auth/acme-emea.token"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        emea.waivers,
        WaiverChoice::File("docs/waivers/acme-emea.toml".into())
    );
    let snap = c.org("acme-emea-snapshot").unwrap();
    assert!(
        matches!(&snap.input, OrgInput::Source(p) if p == Path::new("docs/snapshots/acme-emea"))
    );
    assert_eq!(snap.waivers, WaiverChoice::Off);
    assert_eq!(snap.role, None);
    assert!(matches!(
        c.org("acme-prod").unwrap().input,
        OrgInput::Live(Connection::TargetOrg(ref a)) if a == "acme-prod"
    ));
    assert_eq!(c.org("acme-prod").unwrap().line, 5);
}

#[test]
fn a_source_org_reads_its_own_waiver_file_by_default_and_a_live_org_none() {
    let c = parse(
        "[[org]]\nname = \"a\"\nsource = \"dir\"\n[[org]]\nname = \"b\"\ntarget_org = \"b\"\n",
        Path::new("conf/fleet.toml"),
    )
    .unwrap();
    assert_eq!(
        c.orgs[0].waivers,
        WaiverChoice::SourceDefault("conf/dir/pkce-audit.toml".into())
    );
    assert_eq!(c.orgs[1].waivers, WaiverChoice::Off);
}

#[test]
fn waiver_files_are_read_before_any_org_and_name_the_org_when_broken() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("pkce-audit.toml"),
        "[[waiver]]\nrule = \"app-pkce-not-required\"\napp = \"X\"\nreason = \"r\"\napproved_by = \"me\"\nexpires = 2030-01-01\n",
    )
    .unwrap();
    let fleet = dir.path().join("fleet.toml");
    let text = "[[org]]\nname = \"a\"\nsource = \"src\"\n\n[[org]]\nname = \"b\"\ntarget_org = \"b\"\nwaivers = \"missing.toml\"\n";
    let c = parse(text, &fleet).unwrap();
    let e = c.load_waivers().unwrap_err().to_string();
    assert!(e.contains("fleet.toml:8: org 'b': "), "{e}");
    assert!(e.contains("the `waivers` file cannot be read: "), "{e}");
    assert!(!e.contains("missing.toml"), "{e}");
    // The folder's own waiver file, when it cannot be read, is named as such.
    std::fs::remove_file(src.join("pkce-audit.toml")).unwrap();
    std::fs::create_dir(src.join("pkce-audit.toml")).unwrap();
    let c = parse("[[org]]\nname = \"a\"\nsource = \"src\"\n", &fleet).unwrap();
    let e = c.load_waivers().unwrap_err().to_string();
    assert!(
        e.contains("org 'a': the pkce-audit.toml of its `source` folder cannot be read: "),
        "{e}"
    );
    std::fs::remove_dir(src.join("pkce-audit.toml")).unwrap();
    std::fs::write(
        src.join("pkce-audit.toml"),
        "[[waiver]]\nrule = \"app-pkce-not-required\"\napp = \"X\"\nreason = \"r\"\napproved_by = \"me\"\nexpires = 2030-01-01\n",
    )
    .unwrap();

    let c = parse(&text.replace("waivers = \"missing.toml\"\n", ""), &fleet).unwrap();
    let sets = c.load_waivers().unwrap();
    assert_eq!(
        sets[0].file.as_deref(),
        Some(src.join("pkce-audit.toml").as_path())
    );
    assert_eq!(sets[0].waivers.len(), 1);
    assert_eq!(sets[1].file, None);
}

#[test]
fn every_mistake_is_one_line_with_file_line_and_org() {
    let cases: &[(&str, &str)] = &[
        ("", "fleet.toml:1: names no org"),
        ("[[org]]\nname = \"a\"\n", "fleet.toml:1: org 'a': no connection"),
        (
            "[[org]]\nname = \"a\"\ntarget_org = \"a\"\nsource = \"d\"\n",
            "fleet.toml:4: org 'a': more than one connection (target_org, source)",
        ),
        (
            "[[org]]\nname = \"a\"\n\ninstance_url = \"https://a.my.salesforce.com\"\n",
            "fleet.toml:4: org 'a': `instance_url` needs `access_token_file`",
        ),
        (
            "[[org]]\nname = \"a\"\ninstance_url = \"https://a.my.salesforce.com\"\naccess_token_file = \"-\"\n",
            "fleet.toml:4: org 'a': `access_token_file` cannot be `-`",
        ),
        (
            "[[org]]\nname = \"a\"\ntarget_org = \"a\"\naccess_token_file = \"t\"\n",
            "fleet.toml:4: org 'a': `access_token_file` goes with `instance_url` only",
        ),
        (
            "[[org]]\nname = \"a\"\ninstance_url = \"ftp://a.example.com\"\naccess_token_file = \"t\"\n",
            "fleet.toml:3: org 'a': `instance_url` is not usable: unsupported scheme ftp://",
        ),
        (
            "[[org]]\nname = \"a\"\ntarget_org = \"a\"\n[[org]]\nname = \"A\"\ntarget_org = \"b\"\n",
            "fleet.toml:4: org 'A': the name is taken: line 1 names an org 'a' already",
        ),
        (
            "[[org]]\nname = \"  \"\ntarget_org = \"a\"\n",
            "fleet.toml:2: `name` must not be empty",
        ),
        (
            "[[org]]\nname = \"a\"\ntarget_org = \"a\"\nrole = \"prod\"\n",
            "fleet.toml:4: org 'a': unknown value, expected `production` or `sandbox`",
        ),
        (
            "[[org]]\nname = \"s\"\ntarget_org = \"s\"\nrehearses = \"p\"\n",
            "fleet.toml:4: org 's': `rehearses` is for a sandbox: add role = \"sandbox\"",
        ),
        (
            "[[org]]\nname = \"s\"\nrole = \"sandbox\"\ntarget_org = \"s\"\nrehearses = \"P\"\n[[org]]\nname = \"p\"\nrole = \"production\"\ntarget_org = \"p\"\n",
            "fleet.toml:1: org 's': `rehearses` names no org of this file (did you mean 'p'?)",
        ),
        (
            "[[org]]\nname = \"s\"\nrole = \"sandbox\"\ntarget_org = \"s\"\nrehearses = \"p\"\n[[org]]\nname = \"p\"\ntarget_org = \"p\"\n",
            "fleet.toml:1: org 's': `rehearses` names 'p', which is not a production org: give it role = \"production\"",
        ),
        (
            "[[org]]\nname = \"s\"\nrole = \"sandbox\"\ntarget_org = \"s\"\nrehearses = \"s\"\n",
            "fleet.toml:1: org 's': a sandbox cannot rehearse itself",
        ),
        (
            "[[org]]\nname = \"a\"\ntarget_org = \"a\"\nwaivers = \"w.toml\"\nno_waivers = true\n",
            "fleet.toml:4: org 'a': `waivers` and `no_waivers = true` exclude each other",
        ),
        (
            "[[org]]\nname = \"a\"\ntarget_org = \"a\"\n\n[[org]]\nname = \"b\"\ntarget_org = \"b\"\ntaget = 1\n",
            "fleet.toml:8: org 'b': unknown field `taget`",
        ),
        ("orgs = []\n", "fleet.toml:1: unknown field `orgs`"),
        ("[[org]\nname = 1\n", "fleet.toml:1: "),
    ];
    for (text, want) in cases {
        let got = err(text);
        assert!(got.starts_with(want), "{text:?}\n got: {got}\nwant: {want}");
    }
}

#[test]
fn no_error_quotes_a_token_pasted_into_the_file() {
    let secret = "00DXX0000000001!AQoAQPastedSecretToken";
    for text in [
        format!("[[org]]\nname = \"a\"\ninstance_url = \"https://a.my.salesforce.com\"\naccess_token = \"{secret}\"\n"),
        format!("[[org]]\nname = \"a\"\ntarget_org = \"a\"\ntoken = \"{secret}\" x\n"),
        format!("[[org]]\nname = \"a\"\ntarget_org = \"a\"\nno_waivers = \"{secret}\"\n"),
        format!("[[org]]\nname = \"a\"\ntarget_org = \"a\"\nrole = \"{secret}\"\n"),
        format!("[[org]]\nname = \"a\"\ninstance_url = \"{secret}\"\naccess_token_file = \"t\"\n"),
        format!("[[org]]\nname = \"a\"\ntarget_org = \"a\"\nrole = \"sandbox\"\nrehearses = \"{secret}\"\n"),
        format!("[[org]]\nname = \"a\"\ntarget_org = \"a\"\norg_namespace = \"{secret}\"\n"),
    ] {
        let e = err(&text);
        assert!(!e.contains("PastedSecret") && !e.contains("00DXX"), "{e}");
        assert!(e.starts_with("fleet.toml:"), "{e}");
    }
}
