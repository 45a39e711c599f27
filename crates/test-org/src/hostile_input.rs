//! A folder whose metadata tries to take over the admin's terminal and the review board's
//! documents (issue 9): names with ESC and CSI sequences, a pipe, a backtick and a line
//! break that starts a heading; a label that starts a heading, a checked task and a
//! table row, with bidi overrides; a callback that only looks like loopback; a broken
//! file whose path sets the terminal title. Generated, because file names carry some of
//! it. Included once by `tests/it/main.rs`.

use std::path::Path;

/// The API name of the app whose name is hostile (it comes from the file name).
pub const EVIL_NAME: &str = "Evil\u{1b}[2J\u{9b}31m|x`y\n# Pwned";
/// The API name of the app whose label, contact and callbacks are hostile.
pub const LABEL_APP: &str = "Label_App";
pub const EVIL_LABEL: &str =
    "Portal\n# Pwned\r\n- [x] done `tick` | pipe \u{202e}gnp.exe\u{2028}## Also";
pub const EVIL_CONTACT: &str = "it@acme.example.com\n- [ ] fake task";
/// Looks like loopback to a string splitter; a browser sends the code to evil.example.com.
pub const EVIL_CALLBACK: &str = "http://evil.example.com\\@localhost/cb";
pub const BIDI_CALLBACK: &str = "http://x.example/`|\u{202e}moc.knab";
/// A file that does not parse, named to set the terminal title and ring the bell.
pub const BROKEN_FILE: &str = "Broken\u{1b}]0;owned\u{7}";

const NS: &str = "xmlns=\"http://soap.sforce.com/2006/04/metadata\"";

fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes the hostile org as an SFDX project in `dir`.
pub fn write_org(dir: &Path) {
    let md = dir.join("force-app/main/default");
    let write = |rel: &str, body: String| {
        let p = md.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    };
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("sfdx-project.json"),
        r#"{"packageDirectories":[{"path":"force-app","default":true}],"namespace":""}"#,
    )
    .unwrap();
    write(
        &format!("connectedApps/{EVIL_NAME}.connectedApp-meta.xml"),
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp {NS}>\n    <contactEmail>a@acme.example.com</contactEmail>\n    <label>Evil</label>\n    <oauthConfig>\n        <callbackUrl>https://evil.acme.example.com/cb</callbackUrl>\n        <consumerKey>3MVG9HOSTILE</consumerKey>\n        <isPkceRequired>false</isPkceRequired>\n        <scopes>Api</scopes>\n    </oauthConfig>\n</ConnectedApp>\n"),
    );
    write(
        &format!("connectedApps/{LABEL_APP}.connectedApp-meta.xml"),
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp {NS}>\n    <contactEmail>{}</contactEmail>\n    <label>{}</label>\n    <oauthConfig>\n        <callbackUrl>{}\n{}</callbackUrl>\n        <consumerKey>3MVG9HOSTILE2</consumerKey>\n        <isPkceRequired>false</isPkceRequired>\n        <scopes>Api</scopes>\n    </oauthConfig>\n</ConnectedApp>\n",
            xml_text(EVIL_CONTACT),
            xml_text(EVIL_LABEL),
            xml_text(EVIL_CALLBACK),
            xml_text(BIDI_CALLBACK)
        ),
    );
    write(
        &format!("connectedApps/{BROKEN_FILE}.connectedApp-meta.xml"),
        "<ConnectedApp><label>never closed</ConnectedApp>".into(),
    );
    write(
        "settings/OauthOidc.settings-meta.xml",
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OauthOidcSettings {NS}>\n    <blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>\n    <blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow>\n    <isPkceRequired>false</isPkceRequired>\n    <oAuthCdCrdtFlowEnable>false</oAuthCdCrdtFlowEnable>\n</OauthOidcSettings>\n"),
    );
}

/// Characters that must never reach a terminal or a document: C0 controls but the line
/// feed, DEL, C1 controls, bidirectional controls, line and paragraph separators.
pub fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}' | '\u{2028}' | '\u{2029}')
}

/// Panics with the offending character and its line when `text` holds a forbidden one.
pub fn assert_clean(text: &str, what: &str) {
    for (n, line) in text.lines().enumerate() {
        if let Some(c) = line.chars().find(|c| forbidden(*c)) {
            panic!("{what}: line {} holds U+{:04X}: {line:?}", n + 1, c as u32);
        }
    }
    // `lines()` eats a CR before LF; none may be there either.
    assert!(!text.contains('\r'), "{what}: holds a carriage return");
}

/// Lines that only the injected text could have started.
pub fn injected_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| {
            let t = l.trim_start();
            t.starts_with("# Pwned")
                || t.starts_with("## Also")
                || t.starts_with("- [x] done")
                || t.starts_with("- [ ] fake")
                || t.starts_with("| pipe")
        })
        .collect()
}

/// Cells of a GFM table row: split on pipes that are not escaped.
pub fn cell_count(row: &str) -> usize {
    let mut n: usize = 0;
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => {
                n += 1;
                escaped = false
            }
            _ => escaped = false,
        }
    }
    n.saturating_sub(1)
}

/// Every row of every Markdown table has as many cells as its header.
pub fn assert_tables_whole(md: &str) {
    let mut expected = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            expected = None;
            continue;
        }
        let n = cell_count(line);
        assert_eq!(
            *expected.get_or_insert(n),
            n,
            "a row with other cells: {line}"
        );
    }
}

/// Every code span on every line is closed: backtick fences pair up.
pub fn assert_code_spans_closed(md: &str) {
    for line in md.lines() {
        let mut chars = line.chars().peekable();
        let mut open: Option<usize> = None;
        let mut prev_backslash = false;
        while let Some(c) = chars.next() {
            if c != '`' {
                prev_backslash = c == '\\' && !prev_backslash;
                continue;
            }
            let mut run = 1;
            while chars.peek() == Some(&'`') {
                chars.next();
                run += 1;
            }
            match open {
                None if prev_backslash => {}
                None => open = Some(run),
                Some(n) if n == run => open = None,
                Some(_) => {}
            }
            prev_backslash = false;
        }
        assert!(open.is_none(), "a code span is left open: {line}");
    }
}
