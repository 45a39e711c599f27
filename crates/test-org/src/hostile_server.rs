//! A hostile or broken Salesforce: raw HTTP over a socket, so it can misbehave in ways a
//! framework would not allow (never answer, page forever, answer garbage or huge bodies).
//! Used by tests/hostile.rs and by the scale bench (`SCALE_HOSTILE=1`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Accepts the connection, reads the request, never answers.
    Hang,
    /// Every query page says "more to come".
    EndlessPages,
    /// SOAP answers are random bytes.
    Garbage,
    /// Every API call is HTTP 503.
    AlwaysUnavailable,
    /// Every SOAP answer is a well-formed envelope of about `bytes` bytes of tiny
    /// elements (`<x/>`: the most elements per byte). Without `length` the body has no
    /// Content-Length and ends when the connection closes.
    HugeSoap { bytes: usize, length: bool },
    /// Every query answer is a page of about `bytes` bytes whose one record holds an array
    /// of zeros (the most JSON values per byte).
    HugeJson { bytes: usize, length: bool },
    /// `listMetadata` lists `names` Connected Apps; every `readMetadata` answer holds
    /// about `bytes` bytes of small elements, within the bounds a SOAP answer may have,
    /// so each answer is parsed in full: slow work, but never a single unbounded step.
    ManySlowReads { names: usize, bytes: usize },
    /// Every SOAP answer's first element carries about `bytes` bytes of attributes: a
    /// parser that checks each attribute against all before it takes quadratic time.
    AttributeBomb { bytes: usize },
    /// The token endpoint hands out this value as the access token (`NOT READY`,
    /// `"verdict":`): a server choosing what the run would erase from every output.
    HandsOutToken(&'static str),
}

const ENVELOPE_START: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns=\"http://soap.sforce.com/2006/04/metadata\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>";
const ENVELOPE_END: &str = "</soapenv:Body></soapenv:Envelope>";

pub fn soap(body: &str) -> Vec<u8> {
    format!("{ENVELOPE_START}{body}{ENVELOPE_END}").into_bytes()
}

fn respond_with(s: &mut TcpStream, status: &str, content_type: &str, body: &[u8], length: bool) {
    let length = if length {
        format!("Content-Length: {}\r\n", body.len())
    } else {
        String::new()
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{length}Connection: close\r\n\r\n"
    );
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
}

pub fn respond(s: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) {
    respond_with(s, status, content_type, body, true)
}

/// The bodies a mode serves, made once.
struct Bodies {
    list: Vec<u8>,
    read: Vec<u8>,
    query: Vec<u8>,
}

fn bodies(mode: Mode) -> Bodies {
    let empty_list = soap("<listMetadataResponse/>");
    let nil_read = soap(
        "<readMetadataResponse><result><records xsi:nil=\"true\"/></result></readMetadataResponse>",
    );
    let empty_query = br#"{"totalSize":0,"done":true,"records":[]}"#.to_vec();
    match mode {
        Mode::HugeSoap { bytes, .. } => {
            let pad = "<x/>".repeat(bytes / 4);
            Bodies {
                list: soap(&format!("<listMetadataResponse><result><fullName>A</fullName><type>ConnectedApp</type></result>{pad}</listMetadataResponse>")),
                read: soap(&format!("<readMetadataResponse><result><records xsi:type=\"ConnectedApp\"><fullName>A</fullName>{pad}</records></result></readMetadataResponse>")),
                query: empty_query,
            }
        }
        Mode::HugeJson { bytes, .. } => Bodies {
            list: empty_list,
            read: nil_read,
            query: format!(
                r#"{{"totalSize":1,"done":true,"records":[{{"attributes":{{"type":"Organization"}},"Id":"00DHOSTILE0000001","Name":"Hostile","NamespacePrefix":null,"IsSandbox":false,"Pad":[{}0]}}]}}"#,
                "0,".repeat(bytes / 2)
            )
            .into_bytes(),
        },
        Mode::ManySlowReads { names, bytes } => {
            let list: String = (0..names)
                .map(|i| format!("<result><fullName>App_{i:05}</fullName><type>ConnectedApp</type></result>"))
                .collect();
            let pad = "<label>x</label>".repeat(bytes / 16);
            Bodies {
                list: soap(&format!("<listMetadataResponse>{list}</listMetadataResponse>")),
                read: soap(&format!("<readMetadataResponse><result><records xsi:type=\"ConnectedApp\"><fullName>App_00000</fullName>{pad}</records></result></readMetadataResponse>")),
                query: empty_query,
            }
        }
        Mode::AttributeBomb { bytes } => {
            let attrs: String = (0..bytes / 12).map(|i| format!(" a{i:07}=\"\"")).collect();
            let bomb = soap(&format!("<listMetadataResponse{attrs}/>"));
            Bodies {
                list: bomb.clone(),
                read: bomb,
                query: empty_query,
            }
        }
        _ => Bodies {
            list: empty_list,
            read: nil_read,
            query: empty_query,
        },
    }
}

fn serve(mut s: TcpStream, mode: Mode, bodies: Arc<Bodies>) {
    let mut reader = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut length = 0;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let body = String::from_utf8_lossy(&body);
    if path == "/services/data" || path == "/services/data/" {
        return respond(
            &mut s,
            "200 OK",
            "application/json",
            br#"[{"label":"Spring '26","url":"/services/data/v66.0","version":"66.0"}]"#,
        );
    }
    if let (Mode::HandsOutToken(token), true) = (mode, path.starts_with("/services/oauth2/token")) {
        let answer = serde_json::json!({ "access_token": token, "token_type": "Bearer" });
        return respond(
            &mut s,
            "200 OK",
            "application/json",
            answer.to_string().as_bytes(),
        );
    }
    let soap_call = path.contains("/Soap/");
    let length_header = match mode {
        Mode::HugeSoap { length, .. } | Mode::HugeJson { length, .. } => length,
        _ => true,
    };
    match mode {
        Mode::Hang => {
            std::thread::sleep(Duration::from_secs(60));
        }
        Mode::AlwaysUnavailable => respond(
            &mut s,
            "503 Service Unavailable",
            "text/html",
            b"<html>down</html>",
        ),
        Mode::Garbage if soap_call => {
            let mut rng = fastrand::Rng::with_seed(length as u64);
            let junk: Vec<u8> = (0..4096).map(|_| rng.u8(..)).collect();
            respond(&mut s, "200 OK", "text/xml", &junk)
        }
        _ if soap_call && body.contains("listMetadata") => {
            respond_with(&mut s, "200 OK", "text/xml", &bodies.list, length_header)
        }
        _ if soap_call => respond_with(&mut s, "200 OK", "text/xml", &bodies.read, length_header),
        Mode::EndlessPages if path.contains("query") => {
            let next = format!(
                "/services/data/v66.0/query/01gHOSTILE-{}",
                fastrand::u64(..)
            );
            let page = format!(
                r#"{{"totalSize":1000000000,"done":false,"nextRecordsUrl":"{next}","records":[{{"attributes":{{"type":"Organization"}},"Id":"00DHOSTILE0000001","Name":"Hostile","NamespacePrefix":null,"IsSandbox":false}}]}}"#
            );
            respond(&mut s, "200 OK", "application/json", page.as_bytes())
        }
        _ => respond_with(
            &mut s,
            "200 OK",
            "application/json",
            &bodies.query,
            length_header,
        ),
    }
}

/// Starts the server on a loopback port; it lives as long as the process.
pub fn start(mode: Mode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let bodies = Arc::new(bodies(mode));
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let bodies = bodies.clone();
            std::thread::spawn(move || serve(conn, mode, bodies));
        }
    });
    base
}
