use super::*;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

const TOKEN: &str = "00D5g000004XyZ1!AQ4AQ+b/c=d.e_f~g!h";
const REFRESH: &str = "5Aep861.Refresh/Token+With=Signs";

fn scrub(text: &str) -> String {
    Scrubber::new([TOKEN, REFRESH, "short"])
        .apply(text)
        .into_owned()
}

/// Percent-encoded, every byte but letters, digits and `*-._` (upper-case hex), or the
/// same in lower case throughout.
fn percent(s: &str, lower: bool) -> String {
    let upper: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
    if lower {
        upper.to_ascii_lowercase()
    } else {
        upper
    }
}

#[test]
fn every_escaped_spelling_of_a_secret_is_removed() {
    for form in [
        TOKEN.to_string(),
        percent(TOKEN, false),
        percent(TOKEN, true),
        percent(TOKEN, false).replace('%', "%25"),
        TOKEN.replace('/', "\\/").replace('!', "\\u0021"),
        TOKEN.replace('!', "&#33;").replace('+', "&#x2B;"),
        TOKEN.replace('!', "%21").replace('/', "&#47;"),
        REFRESH.to_string(),
        percent(REFRESH, false),
    ] {
        let out = scrub(&format!("before {form} after"));
        assert_eq!(out, "before *** after", "{form}");
    }
    // Form encoding turns a space into `+`.
    let s = Scrubber::new(["secret with spaces inside"]);
    assert_eq!(s.apply("x=secret+with+spaces+inside&y"), "x=***&y");
}

#[test]
fn any_letter_case_and_hex_in_either_case_are_removed() {
    for form in [
        TOKEN.to_uppercase(),
        TOKEN.to_lowercase(),
        percent(&TOKEN.to_uppercase(), true),
        TOKEN
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
        TOKEN
            .bytes()
            .map(|b| format!("{b:02X}"))
            .collect::<String>(),
        REFRESH
            .bytes()
            .map(|b| format!("{b:02X}"))
            .collect::<String>(),
    ] {
        assert_eq!(scrub(&format!("<{form}>")), "<***>", "{form}");
    }
}

/// The characters of `blob` (the base64 of `prefix`, the secret, then more) that hold any
/// bit of the secret: none of them may survive.
fn secret_chars(blob: &str, prefix: usize, secret: usize) -> &str {
    let from = 8 * prefix / 6;
    let to = (8 * (prefix + secret)).div_ceil(6).min(blob.len());
    &blob[from..to]
}

#[test]
fn base64_at_every_offset_with_and_without_padding_is_removed() {
    let engines = [
        ("standard", STANDARD),
        ("standard, no padding", STANDARD_NO_PAD),
        ("url", URL_SAFE),
        ("url, no padding", URL_SAFE_NO_PAD),
    ];
    // Bytes with the high bits set in the secret make `+`/`/` and `-`/`_` appear.
    let secrets = [TOKEN, REFRESH, "0123456789abcdef>>>???~~~"];
    let scrubber = Scrubber::new(secrets);
    for secret in secrets {
        for prefix in ["", "x", "xy", "Bearer ", "user:", "abc"] {
            for suffix in ["", "z", "zz", ":tail"] {
                for (name, engine) in &engines {
                    let plain = format!("{prefix}{secret}{suffix}");
                    let blob = engine.encode(plain.as_bytes());
                    let text = format!("before {blob} after");
                    let out = scrubber.apply(&text);
                    let held = secret_chars(&blob, prefix.len(), secret.len());
                    assert!(
                        out.starts_with("before ") && out.ends_with(" after"),
                        "{name} {prefix:?}+{suffix:?}: {out}"
                    );
                    for w in held.as_bytes().windows(4) {
                        let w = std::str::from_utf8(w).unwrap();
                        assert!(
                            !out.contains(w),
                            "{name} {prefix:?}+{suffix:?}: {w} of {held} in {out}"
                        );
                    }
                    assert!(out.contains("***"), "{out}");
                }
            }
        }
    }
}

#[test]
fn base64_percent_encoded_or_escaped_is_removed() {
    // `>` and `?` make `+` and `/` in base64.
    let secret = "Secret>>>???~~~valu";
    let blob = STANDARD.encode(format!("Bearer {secret}"));
    assert!(blob.contains('+') && blob.contains('/') && blob.ends_with('='));
    let scrubber = Scrubber::new([secret]);
    let held = secret_chars(&blob, 7, secret.len());
    for form in [
        percent(&blob, false),
        blob.replace('/', "\\/"),
        blob.replace('+', "&#43;"),
        blob.to_lowercase(),
    ] {
        let out = scrubber.apply(&format!("auth={form};")).into_owned();
        assert!(out.starts_with("auth=") && out.ends_with(';'), "{out}");
        assert!(out.contains("***"), "{form}: {out}");
        for w in held.as_bytes().windows(4) {
            let w = std::str::from_utf8(w).unwrap();
            assert!(
                !out.to_lowercase().contains(&w.to_lowercase()),
                "{form}: {w} in {out}"
            );
        }
    }
}

#[test]
fn long_prefixes_count_short_ones_and_the_org_id_do_not() {
    // Cut by the server, or by an excerpt: twelve bytes of a secret are enough.
    assert_eq!(scrub("token=5Aep861.Refr"), "token=***");
    assert_eq!(scrub("token=5Aep861.Ref"), "token=5Aep861.Ref");
    assert_eq!(scrub("x AQ4AQ+b/c=d. y"), "x *** y");
    assert_eq!(scrub("x AQ4AQ%2Bb%2Fc%3Dd. y"), "x *** y");
    // The org id with the `!` and a byte of the secret part gives the token away;
    // the org id alone is in every report.
    assert_eq!(
        scrub("org 00D5g000004XyZ1 here"),
        "org 00D5g000004XyZ1 here"
    );
    assert_eq!(scrub("sid=00D5g000004XyZ1%21A"), "sid=***");
    assert_eq!(scrub("sid=00D5g000004XyZ1!"), "sid=00D5g000004XyZ1!");
    // The base64 of the org id alone is not the token either.
    let org_b64 = STANDARD_NO_PAD.encode("00D5g000004XyZ1");
    assert_eq!(scrub(&org_b64), org_b64);
    // Too short to search for.
    assert_eq!(scrub("short"), "short");
    assert_eq!(Scrubber::default().apply("a"), "a");
}

#[test]
fn text_around_is_kept_as_it_was() {
    for kept in [
        "héllo %zz &bogus; \\x ✓ %2 & \\u12",
        "%25%25%",
        "&#1114111; &#xZZ; &amp",
        "",
    ] {
        assert_eq!(scrub(kept), kept);
        assert!(matches!(
            Scrubber::new([TOKEN]).apply(kept),
            Cow::Borrowed(_)
        ));
    }
    assert_eq!(scrub(&format!("{TOKEN}{TOKEN}|{REFRESH}")), "******|***");
    assert_eq!(scrub(&format!("é{TOKEN}é")), "é***é");
    assert!(Scrubber::new([TOKEN]).longest() >= 2 * TOKEN.len());
}

#[test]
fn many_orgs_secrets_are_all_found_in_one_pass() {
    let secrets: Vec<String> = (0..300)
        .map(|i| format!("00D{i:012}!AQ{i:06}SecretPart.{}", i * 7919))
        .collect();
    let s = Scrubber::new(secrets.iter().map(String::as_str));
    let text: String = secrets
        .iter()
        .enumerate()
        .map(|(i, t)| match i % 3 {
            0 => format!("[{t}]"),
            1 => format!("[{}]", STANDARD.encode(t)),
            _ => format!("[{}]", percent(t, true)),
        })
        .collect();
    let out = s.apply(&text);
    assert_eq!(out, "[***]".repeat(300));
}

#[test]
fn the_registry_scrubs_every_registered_secret_and_excerpts_are_bounded() {
    let a = "RegistryTestSecretA-7f3c9e";
    let b = "RegistryTestSecretB-1d2e4a";
    register(a);
    register(b);
    register(a);
    register("short");
    let text = format!("a={a} b={} c=short", STANDARD.encode(b));
    assert_eq!(super::scrub(&text), "a=*** b=*** c=short");
    // Nothing to remove: the text itself.
    assert!(matches!(super::scrub("plain"), Cow::Borrowed("plain")));
    let long = format!("{}\n{a}\n{}", "x".repeat(10), "y".repeat(500));
    let e = excerpt(&long, 40);
    assert_eq!(e, format!("{} *** {} …", "x".repeat(10), "y".repeat(25)));
    assert_eq!(excerpt("  short\ttext  ", 40), "short text");
}
