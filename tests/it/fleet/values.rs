//! No value of the fleet file shows in any output: a token pasted where a path, an
//! alias, a URL or an org name belongs is named by its key and org, never quoted, in
//! every format, on standard error and in the `--out-dir` files (docs/fleet.md).

use super::*;

/// A token pasted into the fleet file by mistake.
const PASTED: &str = "00DFAKE0000000001!AQoAQPastedIntoTheFleetFile.x";

/// Standard output and error of `f` run with `args`, in every format, free of `secret`.
fn assert_never_shown(f: &Fleet, args: &[&str], code: i32) {
    for format in ["table", "json", "markdown", "csv"] {
        let mut all = vec!["--format", format];
        all.extend_from_slice(args);
        let r = f.run(&all);
        assert_eq!(r.code, code, "{format}: {}", r.stderr);
        assert_no_secret(&r.stdout, &format!("{format} stdout"), PASTED);
        assert_no_secret(&r.stderr, &format!("{format} stderr"), PASTED);
    }
}

#[test]
fn a_token_pasted_where_a_path_belongs_is_named_by_its_key() {
    let demo = serve(fixture("demo-org"));
    let mut f = Fleet::new();
    let mut toml = format!(
        "[[org]]\nname = \"token-file\"\ninstance_url = \"{}\"\naccess_token_file = \"{PASTED}\"\n\n\
         [[org]]\nname = \"auth-url\"\nauth_url_file = \"{PASTED}\"\n\n\
         [[org]]\nname = \"folder\"\nsource = \"{PASTED}\"\n\n",
        demo.base_url
    );
    f.live(&mut toml, "demo", &demo.base_url, TOKEN, "");
    f.write(&toml);

    assert_never_shown(&f, &["--out-dir", "reports"], 1);
    assert_no_secret_in_files(&f.path().join("reports"), &[PASTED]);
    let v = f.run(&["--json"]).json();
    for (name, key) in [
        ("token-file", "access_token_file"),
        ("auth-url", "auth_url_file"),
        ("folder", "source"),
    ] {
        let error = org(&v, name)["error"].as_str().unwrap().to_string();
        assert!(
            error.starts_with(&format!("the `{key}` ")) && error.contains("cannot"),
            "{name}: {error}"
        );
    }
}

#[test]
fn a_token_pasted_into_a_checked_key_stops_the_run_unquoted() {
    let f = Fleet::new();
    let folder = fixture("ready-org");
    for (key, entry) in [
        (
            "instance_url",
            format!("instance_url = \"{PASTED}\"\naccess_token_file = \"t\""),
        ),
        (
            "waivers",
            format!("source = \"{}\"\nwaivers = \"{PASTED}\"", folder.display()),
        ),
        (
            "rehearses",
            format!(
                "source = \"{}\"\nrole = \"sandbox\"\nrehearses = \"{PASTED}\"",
                folder.display()
            ),
        ),
        (
            "org_namespace",
            format!(
                "source = \"{}\"\norg_namespace = \"{PASTED}\"",
                folder.display()
            ),
        ),
    ] {
        f.write(&format!("[[org]]\nname = \"acme\"\n{entry}\n"));
        for args in [&[][..], &["--json"][..]] {
            let r = f.run(args);
            assert_eq!(r.code, 2, "{key}: {}", r.stderr);
            assert_no_secret(&r.stderr, key, PASTED);
            assert_no_secret(&r.stdout, key, PASTED);
            assert!(
                r.stderr.contains("org 'acme'") && r.stderr.contains(&format!("`{key}`")),
                "{key}: {}",
                r.stderr
            );
        }
    }
}

/// A stub `sf` that knows no org and says so quoting the alias, as the real one does
/// ("No authorization information found for <alias>.").
#[cfg(unix)]
fn sf_without_logins(dir: &Path) {
    support::script(
        dir,
        "sf",
        "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --target-org ] && a=\"$2\"; shift; done\n\
         printf '{\"status\":1,\"name\":\"NamedOrgNotFoundError\",\"message\":\"No authorization information found for %s.\"}' \"$a\"\nexit 1\n",
    );
}

#[cfg(unix)]
#[test]
fn a_token_pasted_as_target_org_is_not_echoed_from_sf() {
    let f = Fleet::new();
    let bin = f.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    sf_without_logins(&bin);
    f.write(&format!(
        "[[org]]\nname = \"acme\"\ntarget_org = \"{PASTED}\"\n"
    ));
    for format in ["table", "json", "markdown", "csv"] {
        let r = f.run_env(&["--format", format], &[("PATH", &bin)]);
        assert_eq!(r.code, 3, "{format}: {}", r.stderr);
        assert_no_secret(&r.stdout, format, PASTED);
        assert_no_secret(&r.stderr, format, PASTED);
    }
    let r = f.run_env(&["--json"], &[("PATH", &bin)]);
    let error = org(&r.json(), "acme")["error"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        error.contains("no usable login for the `target_org`"),
        "{error}"
    );
    assert!(error.contains("No authorization information"), "{error}");
}

#[test]
fn without_sf_a_target_org_is_advised_the_keys_of_the_fleet_file() {
    let f = Fleet::new();
    let empty = f.path().join("no-sf-here");
    std::fs::create_dir_all(&empty).unwrap();
    f.write("[[org]]\nname = \"acme\"\ntarget_org = \"acme\"\n");
    let r = f.run_env(&["--json"], &[("PATH", &empty)]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let error = org(&r.json(), "acme")["error"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(error.contains("was not found on PATH"), "{error}");
    for key in ["instance_url", "access_token_file", "auth_url_file"] {
        assert!(error.contains(key), "{key}: {error}");
    }
    for flag in ["--instance-url", "SF_ACCESS_TOKEN"] {
        assert!(!error.contains(flag), "{flag}: {error}");
    }
}
