use super::*;

const SHORT: Duration = Duration::from_millis(300);
const LONG: Duration = Duration::from_secs(30);

fn reason(e: Unread) -> String {
    match e {
        Unread::Refused(reason) => reason,
        other => panic!("not a refusal: {other:?}"),
    }
}

/// How the writer stalled, and that the words name no option (the caller does).
fn stalled(e: Unread) -> (Stalled, String) {
    match e {
        Unread::Stalled(stalled) => {
            let text = stalled.to_string();
            assert!(!text.contains("--"), "{text}");
            (stalled, text)
        }
        other => panic!("not a stall: {other:?}"),
    }
}

#[test]
fn a_bom_and_surrounding_whitespace_are_stripped() {
    assert_eq!(clean("\u{feff}00Dx!AQ.tok\r\n"), "00Dx!AQ.tok");
    assert_eq!(clean("  \u{feff}  tok \t"), "tok");
    assert_eq!(clean("\n\n"), "");
}

#[test]
fn a_malformed_token_is_named_by_what_is_wrong_never_by_its_value() {
    assert_eq!(malformed("00D5g000004XyZ1!AQ.x_y-z+/="), None);
    for (value, what) in [
        ("tok en-Sup3rSecret", "a space at character 4 of 18"),
        (
            "tok\u{7}Sup3rSecret",
            "a control character at character 4 of 15",
        ),
        (
            "tok\u{1b}[31mSup3r",
            "a control character at character 4 of 13",
        ),
        (
            "tokéSup3rSecret",
            "a character that is not ASCII at character 4 of 15",
        ),
        ("tok\u{a0}Sup3rSecret", "a space at character 4 of 15"),
        (
            "tok\u{202e}Sup3rSecret",
            "a character that is not ASCII at character 4 of 15",
        ),
    ] {
        let why = malformed(value).unwrap();
        assert!(why.starts_with(what), "{value:?}: {why}");
        assert!(!why.contains("Sup3r"), "{why}");
    }
    assert_eq!(token(" \u{feff}\n"), Err(Unusable::Empty));
    assert!(matches!(token("a b c d e f"), Err(Unusable::Malformed(_))));
    assert_eq!(
        token("\u{feff}00Dx!AQ.tok\n").unwrap().expose(),
        "00Dx!AQ.tok"
    );
}

#[test]
fn regular_files_are_read_bounded_and_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("token");
    std::fs::write(&f, "\u{feff}00Dx!AQ.fromfile\n").unwrap();
    for origin in [Origin::CommandLine, Origin::FleetFile] {
        assert_eq!(read(&f, origin, LONG).unwrap(), "00Dx!AQ.fromfile");
    }
    std::fs::write(&f, "x".repeat(MAX_BYTES as usize + 1)).unwrap();
    let e = reason(read(&f, Origin::CommandLine, LONG).unwrap_err());
    assert!(e.contains("larger than 64 KiB"), "{e}");
    std::fs::write(&f, b"\xff\xfe t").unwrap();
    let e = reason(read(&f, Origin::CommandLine, LONG).unwrap_err());
    assert_eq!(e, "is not UTF-8 text");
    std::fs::write(&f, " \n").unwrap();
    let e = reason(read(&f, Origin::CommandLine, LONG).unwrap_err());
    assert_eq!(e, "is empty");
    let e = reason(read(&dir.path().join("missing"), Origin::CommandLine, LONG).unwrap_err());
    assert!(e.starts_with("cannot be read"), "{e}");
}

#[test]
fn folders_are_refused_and_a_fleet_file_cannot_name_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let e = reason(read(dir.path(), Origin::CommandLine, LONG).unwrap_err());
    assert_eq!(e, "is a folder, not a file");
    let e = reason(read(Path::new("-"), Origin::FleetFile, LONG).unwrap_err());
    assert!(e.starts_with("cannot be `-`"), "{e}");
}

#[cfg(unix)]
#[test]
fn devices_and_sockets_are_refused_before_they_are_opened() {
    for origin in [Origin::CommandLine, Origin::FleetFile] {
        let e = reason(read(Path::new("/dev/null"), origin, LONG).unwrap_err());
        assert!(
            e.starts_with("is a device") || e.starts_with("is not a regular file"),
            "{e}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("s");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let e = reason(read(&sock, Origin::CommandLine, LONG).unwrap_err());
    assert!(e.starts_with("is a socket"), "{e}");
}

#[cfg(unix)]
fn fifo(dir: &Path) -> PathBuf {
    let p = dir.join("fifo");
    let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    p
}

#[cfg(unix)]
#[test]
fn a_fifo_is_read_from_the_command_line_only_and_never_waited_on_past_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let p = fifo(dir.path());
    // A fleet file names regular files only: refused without opening it (which would
    // block, no writer being there).
    let e = reason(read(&p, Origin::FleetFile, LONG).unwrap_err());
    assert!(e.starts_with("is a FIFO"), "{e}");
    // Written: read.
    let writer = {
        let p = p.clone();
        std::thread::spawn(move || std::fs::write(p, "00Dx!AQ.fromfifo\n").unwrap())
    };
    assert_eq!(
        read(&p, Origin::CommandLine, LONG).unwrap(),
        "00Dx!AQ.fromfifo"
    );
    writer.join().unwrap();
    // Never written: one error once the timeout is over.
    let (s, e) = stalled(read(&p, Origin::CommandLine, SHORT).unwrap_err());
    assert_eq!(s, Stalled { secs: 0, came: 0 });
    assert!(e.ends_with("nothing was written to it within 0 s"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_writer_that_wrote_but_never_closed_is_named_as_such() {
    // `<(cat tok; sleep 30)`: the token came, the end of input did not.
    let dir = tempfile::tempdir().unwrap();
    let p = fifo(dir.path());
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let writer = {
        let p = p.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
            f.write_all(b"00Dx!AQ.written\n").unwrap();
            f.flush().unwrap();
            // Held open until the reader gave up.
            let _ = done_rx.recv();
        })
    };
    let (s, e) = stalled(read(&p, Origin::CommandLine, Duration::from_millis(500)).unwrap_err());
    done_tx.send(()).unwrap();
    writer.join().unwrap();
    assert_eq!(s, Stalled { secs: 0, came: 16 });
    assert!(e.contains("16 byte(s) came"), "{e}");
    assert!(e.ends_with("no end of input within 0 s"), "{e}");
    assert!(!e.contains("nothing was written"), "{e}");
}

#[test]
fn a_malformed_token_is_never_registered() {
    // A token endpoint answering `NOT READY` or `"verdict":` must not make the run erase
    // those words (or a JSON key) from every org's output.
    for hostile in [
        "NOT READY now",
        "\"verdict\":",
        "{\"a\":1}xxxx",
        "abc,def,ghij",
    ] {
        assert!(
            matches!(token(hostile), Err(Unusable::Malformed(_))),
            "{hostile}"
        );
        assert_eq!(crate::secrets::scrub(hostile), hostile);
    }
    assert!(token("00D5g000001ABCD!AQ.fine_token-~x").is_ok());
}

#[test]
fn a_token_a_server_hands_out_must_have_the_shape_of_a_salesforce_access_token() {
    for good in [
        "00D5g000004XyZ1!AQoAQFakeRefreshedAccessToken0001",
        "00D5g000004XyZ1AAA!AQ.x_y-z0123456789abcdef",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIwMDUifQ.c2lnbmF0dXJl",
    ] {
        assert!(issued_token(good).is_ok(), "{good}");
    }
    for word in [
        "Customer_Portal",
        "not-ready",
        "findings",
        "00D5g000004XyZ!AQoAQFakeRefreshedAccessToken",
        "00D5g000004XyZ1!short",
        "00D5g000004XyZ1!AQoAQFakeRefreshedAccess/Token",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIwMDUifQ",
        "abJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIwMDUifQ.c2ln",
    ] {
        match issued_token(word) {
            Err(Unusable::Malformed(why)) => assert!(!why.contains(word), "{why}"),
            other => panic!("{word}: {other:?}"),
        }
        // The others share pieces with the well formed tokens registered above.
        if !word.contains(['!', '.']) {
            let out = crate::secrets::scrub(&format!("a {word} b")).into_owned();
            assert!(!out.contains("***"), "{word}: {out}");
        }
    }
}
