//! Helpers for the live-audit integration tests: run the real binary against the fake
//! org, compare reports, and check that no credential leaks.

pub use crate::harness::{pkce, Run};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub const TOKEN: &str = "00DFAKE0000000001!AQoAQFakeAccessToken";
/// Random-looking, as real ones are: any twelve characters of a credential are scrubbed
/// (so `RefreshToken` in one would erase that scope name from every report).
pub const REFRESH_TOKEN: &str = "5Aep861FakeRfrTkn9xQ2v";
pub const ECA_SECRET: &str = "FAKESECRET-do-not-print-0123456789";

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// In the repository root (relative `fixtures/…` paths), with these variables.
pub fn run(args: &[&str], envs: &[(&str, &str)]) -> Run {
    pkce().in_repo().args(args).envs(envs.iter().copied()).run()
}

/// A live audit with the token in SF_ACCESS_TOKEN, JSON out.
pub fn audit_live(base_url: &str, extra: &[&str]) -> Run {
    let mut args = vec!["audit", "--instance-url", base_url, "--json"];
    args.extend_from_slice(extra);
    run(&args, &[("SF_ACCESS_TOKEN", TOKEN)])
}

/// A live `fetch` into `out` with the token in SF_ACCESS_TOKEN; the caller checks the exit.
pub fn fetch_live(base_url: &str, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "fetch",
        "--instance-url",
        base_url,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args, &[("SF_ACCESS_TOKEN", TOKEN)])
}

/// Writes an SFDX auth URL for the fake org at `base_url` into `dir`; returns its path.
pub fn auth_url_file(dir: &Path, base_url: &str, refresh: &str) -> String {
    let host = base_url.strip_prefix("http://").unwrap();
    let p = dir.join("auth-url.txt");
    std::fs::write(&p, format!("force://PlatformCLI::{refresh}@{host}\n")).unwrap();
    p.to_str().unwrap().to_string()
}

pub fn audit_folder(dir: &Path) -> Run {
    run(&["audit", "--source", dir.to_str().unwrap(), "--json"], &[])
}

/// Findings as (rule, app, severity, blocker, message): what must not depend on the input.
pub type FindingKey = (String, Option<String>, String, bool, String);

pub fn findings(report: &serde_json::Value) -> BTreeSet<FindingKey> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["app"].as_str().map(str::to_string),
                f["severity"].as_str().unwrap().to_string(),
                f["blocker"].as_bool().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn verdict(report: &serde_json::Value) -> String {
    report["verdict"].as_str().unwrap_or("?").to_string()
}

/// (name, kind, owner, pkce_required) of every app.
pub fn apps(report: &serde_json::Value) -> BTreeSet<(String, String, String, String)> {
    report["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["kind"].as_str().unwrap().to_string(),
                a["owner"].as_str().unwrap().to_string(),
                a["pkce_required"].to_string(),
            )
        })
        .collect()
}

pub fn incomplete(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["incomplete"].as_array().cloned().unwrap_or_default()
}

/// What of a credential must never show: any twelve characters of it in a row (or all of
/// it, when shorter), wherever they start; for an access token `<org id>!<secret part>`,
/// only pieces that hold at least one character after the `!` (the org id alone is
/// public: reports show it).
pub fn giveaways(secret: &str) -> Vec<String> {
    let public = match secret.split_once('!') {
        Some((org, core)) if org.starts_with("00D") && !core.is_empty() => org.len() + 1,
        _ => 0,
    };
    let n = secret.len();
    if n <= 12 {
        return vec![secret.to_string()];
    }
    (0..=n - 12)
        .filter(|start| start + 12 > public)
        .map(|start| secret[start..start + 12].to_string())
        .collect()
}

/// Every spelling of `s` a server, a client or a format might produce: raw,
/// percent-encoded (both hex cases, and twice), form-encoded, JSON-escaped, and with a
/// backslash before every punctuation character (as Markdown escapes it).
fn spellings(s: &str) -> Vec<String> {
    use crate::fake_org::echo::{backslashed, form, percent};
    vec![
        s.to_string(),
        percent(s, false),
        percent(s, true),
        percent(&percent(s, false), false),
        form(s),
        s.replace('/', "\\/"),
        s.replace('!', "\\u0021"),
        backslashed(s),
    ]
}

/// No spelling of any give-away part of `secret` shows in `text`.
pub fn assert_no_secret(text: &str, what: &str, secret: &str) {
    for part in giveaways(secret) {
        for form in spellings(&part) {
            assert!(
                !text.contains(&form),
                "{what} contains a credential ({form}, from {part}):\n{text}"
            );
        }
    }
}

/// The windows of the encoded forms of `secret` that must never show: any sixteen
/// characters in a row of the base64 or base64url of the secret starting at each offset of
/// a three-byte group (only characters all of whose bits are the secret's), and any
/// twenty-four of its hex (twelve bytes).
pub fn encoded_giveaways(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    let windows = |s: &str, n: usize| -> Vec<String> {
        let chars: Vec<char> = s.chars().collect();
        chars
            .windows(n.min(chars.len()))
            .map(|w| w.iter().collect())
            .collect()
    };
    let mut out = Vec::new();
    let n = secret.len();
    for offset in 0..3 {
        let bytes = [&b"xy"[..offset], secret.as_bytes()].concat();
        for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&bytes);
            let own = &encoded[(8 * offset).div_ceil(6)..8 * (offset + n) / 6];
            out.extend(windows(own, 16));
        }
    }
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    out.extend(windows(&hex, 24));
    out.sort();
    out.dedup();
    out
}

/// No form of `secret` shows in `text`, compared regardless of letter case: no raw,
/// percent-encoded, form-encoded or JSON-escaped give-away ([`giveaways`]), and no window
/// of its base64, base64url or hex ([`encoded_giveaways`]).
pub fn assert_no_secret_in_any_form(text: &str, what: &str, secret: &str) {
    let lower = text.to_lowercase();
    for part in giveaways(secret) {
        for form in spellings(&part) {
            assert!(
                !lower.contains(&form.to_lowercase()),
                "{what} contains a credential ({form}, from {part}, in some letter case):\n{text}"
            );
        }
    }
    for window in encoded_giveaways(secret) {
        assert!(
            !lower.contains(&window.to_lowercase()),
            "{what} contains an encoded credential ({window}, from {secret}):\n{text}"
        );
    }
}

/// Every file below `dir` is free of every form of every one of `secrets`.
pub fn assert_no_secret_in_any_form_in_files(dir: &Path, secrets: &[&str]) {
    for entry in walk(dir) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        for s in secrets {
            assert_no_secret_in_any_form(&text, &entry.display().to_string(), s);
        }
    }
}

/// The recognisable credentials of the fake org never show, in any spelling or in part.
pub fn assert_no_secrets(text: &str, what: &str) {
    for s in [
        TOKEN,
        REFRESH_TOKEN,
        ECA_SECRET,
        "AQoAQFakeRefreshedAccessToken",
    ] {
        assert_no_secret(text, what, s);
    }
}

/// Every file below `dir` is free of credentials.
pub fn assert_no_secrets_in_files(dir: &Path) {
    assert_no_secret_in_files(dir, &[]);
}

/// Every file below `dir` is free of the fake org's credentials and of `extra`.
pub fn assert_no_secret_in_files(dir: &Path, extra: &[&str]) {
    for entry in walk(dir) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        let what = entry.display().to_string();
        assert_no_secrets(&text, &what);
        for s in extra {
            assert_no_secret(&text, &what, s);
        }
        assert!(!text.contains("consumerSecret>"), "{}", entry.display());
    }
}

/// Copies a folder tree (a fixture to edit).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Writes an executable script (a stub `sf`).
#[cfg(unix)]
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}
