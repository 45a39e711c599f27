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
    // What does not look like a secret is not searched for: a server that hands out
    // `NOT READY` or `"verdict":` as a token must not erase those words from reports.
    for not_secret in [
        "secret with spaces inside",
        "\"verdict\":",
        "NOT READY",
        "a{b}c[d]e,f;g",
    ] {
        let s = Scrubber::new([not_secret]);
        assert_eq!(
            s.apply(&format!("x {not_secret} y")),
            format!("x {not_secret} y")
        );
    }
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
    let secrets = [TOKEN, REFRESH, "0123456789abcdef???~~~???"];
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
    // `~` and `?` make `+` and `/` in base64.
    let secret = "Secret???~~~valu";
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

/// A real session id's shape: `_` and `.` in the part after the `!`.
const SESSION: &str = "00D5g000001ABCDE!AQoAQ_riGp58WAmdX3a5IDnOdcdbWB2dC4DSDC6Lc1mxLpQ2yMK";

/// No twelve characters in a row of `secret`'s part after the public org id, in any
/// letter case, survive in `out`.
fn assert_no_window(out: &str, secret: &str, what: &str) {
    let lower = out.to_lowercase();
    let public = secret.find('!').map_or(0, |i| i + 1);
    for start in 0..=secret.len() - 12 {
        if start + 12 <= public {
            continue;
        }
        let w = secret[start..start + 12].to_lowercase();
        assert!(!lower.contains(&w), "{what}: {w} in {out}");
    }
}

#[test]
fn any_piece_of_a_secret_is_removed_not_only_its_beginning() {
    let s = Scrubber::new([SESSION, REFRESH]);
    for (what, text) in [
        ("missing its first 5", format!("tail={}", &SESSION[22..])),
        ("the middle", format!("x {} y", &SESSION[25..50])),
        ("the refresh token's end", format!("x {} y", &REFRESH[3..])),
        (
            "split over two lines",
            format!("sid={}\n{}", &SESSION[..40], &SESSION[40..]),
        ),
        (
            "split over CRLF",
            format!("sid={}\r\n{}", &SESSION[..20], &SESSION[20..]),
        ),
    ] {
        let out = s.apply(&text);
        assert!(out.contains("***"), "{what}: {out}");
        assert_no_window(&out, SESSION, what);
        assert_no_window(&out, REFRESH, what);
    }
    // Line breaks are kept: a replacement never joins two lines (two rows of a CSV).
    let two_rows = format!("a,{}\n{},b\n", &SESSION[..40], &SESSION[40..]);
    assert_eq!(s.apply(&two_rows), "a,***\n***,b\n");
    // Eleven characters standing alone are not enough.
    assert_eq!(s.apply(&SESSION[30..41]), &SESSION[30..41]);
}

#[test]
fn wrapped_hex_and_base64_are_removed() {
    let s = Scrubber::new([SESSION]);
    // `xxd -p`: 60 hex digits a line.
    let hex = SESSION
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let lines: Vec<&str> = hex
        .as_bytes()
        .chunks(60)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let out = s
        .apply(&format!("dump:\n{}\n", lines.join("\n")))
        .into_owned();
    for l in &lines {
        assert!(!out.contains(l), "{l} in {out}");
    }
    // MIME: base64 wrapped at 76 columns, the token at an offset inside a larger value.
    for lead in ["Authorization: Bearer ", "x", "xy"] {
        let blob = STANDARD.encode(format!("{lead}{SESSION} and more text after it"));
        let wrapped: Vec<&str> = blob
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let text = format!("hdr:\n{}\n", wrapped.join("\n"));
        let out = s.apply(&text).into_owned();
        let joined = out.replace('\n', "");
        let held = secret_chars(&blob, lead.len(), SESSION.len());
        // What encodes the public org id may stay; nothing after it.
        let own = &held[(8 * 17usize).div_ceil(6)..];
        for w in own.as_bytes().windows(4) {
            let w = std::str::from_utf8(w).unwrap();
            assert!(!joined.contains(w), "{lead:?}: {w} in {out}");
        }
        assert_eq!(out.lines().count(), text.lines().count(), "{out}");
    }
}

#[test]
fn markdown_backslashes_entities_and_deep_percent_encoding_are_decoded() {
    let s = Scrubber::new([SESSION, TOKEN]);
    let md = SESSION.replace('_', "\\_").replace('.', "\\.");
    let tilde = TOKEN
        .replace('_', "\\_")
        .replace('~', "\\~")
        .replace('*', "\\*");
    let named = SESSION.replace('!', "&excl;").replace('_', "&lowbar;");
    let dotted = TOKEN.replace('.', "&period;").replace('/', "&sol;");
    let padded: String = SESSION
        .chars()
        .map(|c| format!("&#x{:07x};", c as u32))
        .collect();
    let decimal: String = SESSION
        .chars()
        .map(|c| format!("&#{:05};", c as u32))
        .collect();
    let json_u: String = SESSION
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let mut thrice = SESSION.to_string();
    for _ in 0..3 {
        thrice = percent(&thrice, false);
    }
    let xml_of_named = SESSION
        .replace('!', "&amp;excl;")
        .replace('_', "&amp;amp;lowbar;");
    // Markdown written into JSON: the backslash escaped too.
    let json_of_md = md.replace('\\', "\\\\");
    for form in [
        md,
        tilde,
        named,
        dotted,
        padded,
        decimal,
        json_u,
        thrice,
        xml_of_named,
        json_of_md,
    ] {
        let out = s.apply(&format!("raw={form} end")).into_owned();
        assert_eq!(out, "raw=*** end", "{form}");
    }
}

#[test]
fn only_values_that_look_like_secrets_are_searched_for() {
    // A token whose part after the `!` is one character: its pieces are twelve bytes
    // long (and hold that character), never the character alone.
    let s = Scrubber::new(["00D000000000001!e"]);
    assert_eq!(s.apply("every e stays"), "every e stays");
    assert_eq!(s.apply("00D000000000001 stays"), "00D000000000001 stays");
    assert_eq!(s.apply("t=00D000000000001!e;"), "t=***;");
    assert!(looks_like_secret("00D5g000001!AQ.x_y~z-w", MIN_SECRET));
    for bad in [
        "NOT READY",
        "\"verdict\":",
        "abc,defghijk",
        "abcd{efgh}ij",
        "abc<def>ghij",
        "abcdefg&amp;",
        "abcdefghij\\",
        "short",
        "tab\tinside!",
    ] {
        assert!(!looks_like_secret(bad, MIN_SECRET), "{bad}");
    }
    // A record secret is found whole only, and only from sixteen characters on.
    let record = "9C2F4E7A1B3D5F60";
    let s = Scrubber::of([(record, Kind::Record), ("shortrecord12345", Kind::Record)]);
    assert_eq!(s.apply(&format!("<{record}>")), "<***>");
    assert_eq!(s.apply(&record[..15]), &record[..15]);
    let s = Scrubber::of([("too-short-12", Kind::Record)]);
    assert_eq!(s.apply("too-short-12"), "too-short-12");
}

#[test]
fn hostile_values_are_not_registered() {
    assert!(!register("\"verdict\":"));
    assert!(!register("NOT READY"));
    assert!(!register_record_secret("password"));
    assert!(!register_record_secret("a long phrase with spaces"));
    assert!(register_record_secret("0123456789ABCDEF0123"));
    assert_eq!(
        super::scrub("\"verdict\": \"NOT READY\""),
        "\"verdict\": \"NOT READY\""
    );
}

#[test]
fn a_piece_without_a_digit_is_never_replaced_but_the_whole_secret_always_is() {
    // A chosen secret made of words an output shows.
    let chosen = "00D5g000004XyZ1!Customer_Portal.not-ready.findings";
    let s = Scrubber::new([chosen]);
    for text in [
        "app Customer_Portal.not-ready is not-ready",
        "{\"findings\": [], \"verdict\": \"not-ready\"}",
        "Customer_Portal.not-ready.findings",
    ] {
        assert_eq!(s.apply(text), text);
    }
    assert_eq!(s.apply(&format!("x {chosen} y")), "x *** y");
    // A piece reaching a digit counts.
    assert_eq!(s.apply("x 4XyZ1!Customer_Portal y"), "x *** y");
    // A random token's pieces hold digits: its echoes are still found.
    let s = Scrubber::new([SESSION]);
    assert_eq!(s.apply(&format!("x {} y", &SESSION[30..50])), "x *** y");
    // Without any digit in reach, a piece of twelve or more characters is the residual.
    let words = Scrubber::new(["Refresh/Token+With=Signs"]);
    assert_eq!(words.apply("x Token+With=Signs y"), "x Token+With=Signs y");
    assert_eq!(words.apply("x Refresh/Token+With=Signs y"), "x *** y");
}

#[test]
fn a_record_secret_needs_a_digit_and_a_letter() {
    assert!(!register_record_secret("Customer_Portal_Secret_Words"));
    assert!(!register_record_secret("1234567890123456789"));
    assert!(register_record_secret("7F3A9C2E1B8D4F6A0C5E"));
    assert!(!super::scrub("Customer_Portal_Secret_Words").contains("***"));
    assert_eq!(super::scrub("s=7F3A9C2E1B8D4F6A0C5E"), "s=***");
}

#[test]
fn every_line_break_is_read_through() {
    let s = Scrubber::new([SESSION]);
    let (head, tail) = (&SESSION[..30], &SESSION[30..]);
    for brk in [
        "\r", "&#13;", "&#10;", "&#xD;", "&#xA;", "&#x0a;", "\\r", "\\\n", "\\\r\n",
    ] {
        let text = format!("a {head}{brk}{tail} b");
        let out = s.apply(&text);
        assert!(!out.contains(&SESSION[20..30]), "{brk:?}: {out}");
        assert!(!out.contains(&SESSION[30..42]), "{brk:?}: {out}");
        assert!(
            out.starts_with("a ***") && out.ends_with("*** b"),
            "{brk:?}: {out}"
        );
    }
    // A lone CR is kept in the output, as LF is.
    assert_eq!(s.apply(&format!("a,{head}\r{tail},b")), "a,***\r***,b");
}

#[test]
fn an_escape_inside_another_escape_is_read() {
    let s = Scrubber::new([SESSION]);
    let percent: String = SESSION.bytes().map(|b| format!("%{b:02X}")).collect();
    for (what, intro) in [
        ("XML", "&#37;"),
        ("XML escaped again", "&amp;#37;"),
        ("hex reference", "&#x25;"),
        ("JSON", "\\u0025"),
        ("named", "&percnt;"),
    ] {
        let text = format!("token={}", percent.replace('%', intro));
        let out = s.apply(&text);
        assert_eq!(out, "token=***", "{what}: {out}");
    }
    // `%26` is `&`, which starts a reference: `%26#65;` is `A`.
    let amp: String = SESSION.bytes().map(|b| format!("%26#{b};")).collect();
    assert_eq!(s.apply(&format!("t={amp}")), "t=***");
}

#[test]
fn pieces_separated_by_tabs_no_break_or_zero_width_spaces_are_read_through() {
    let s = Scrubber::new([SESSION]);
    let (head, tail) = (&SESSION[..30], &SESSION[30..]);
    for sep in [
        "\t",
        "\u{a0}",
        "\u{200b}",
        "\u{feff}",
        "\\t",
        "&nbsp;",
        "&#160;",
        "&#x200B;",
        "&ZeroWidthSpace;",
        "\\u00a0",
        "\\u200b",
    ] {
        let text = format!("a {head}{sep}{tail} b");
        let out = s.apply(&text);
        assert!(!out.contains(&SESSION[30..42]), "{sep:?}: {out}");
        assert!(!out.contains(&SESSION[20..30]), "{sep:?}: {out}");
    }
    // A raw separator is kept in the output, as a line break is: columns stay apart.
    assert_eq!(s.apply(&format!("{head}\t{tail}")), "***\t***");
    assert_eq!(s.apply(&format!("{head}\u{200b}{tail}")), "***\u{200b}***");
    // Separators outside a match are left alone.
    assert_eq!(s.apply("a\tb\u{a0}c\u{200b}d é"), "a\tb\u{a0}c\u{200b}d é");
}
