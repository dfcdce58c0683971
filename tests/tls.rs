//! TLS and proxies: a loopback HTTPS server whose certificate is signed by a test CA is refused
//! by default, accepted with `--cacert` or `--insecure` (which the reports then mention), and
//! the proxy environment variables are honoured. A run against plain-HTTP targets reads no CA
//! certificate unless a request needs them (an `https` URL, a redirect).

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{fixture, report_dir, root, text, Mode};
use specgate::http::{Http, HttpConfig, Request};
use specgate::redact::Redactor;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

const BODY: &str = r#"{"images": [{"id": "id-00", "name": "img-0", "min_ram": 0, "status": "active"}]}"#;

/// An HTTPS server on 127.0.0.1 answering every request with one small image list.
fn https_server() -> String {
    let dir = root().join("tests/fixtures/tls");
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.pem")).unwrap().map(Result::unwrap).collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(certs, key).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A refused handshake is what some tests expect: nothing to do then.
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        BODY.len()
                    );
                    let _ = tls.write_all(head.as_bytes()).await;
                    let _ = tls.write_all(BODY.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
    });
    format!("https://{}", rx.recv().unwrap())
}

fn get(url: &str, tls: specgate::auth::Tls) -> specgate::http::Exchange {
    let http = Http::new(HttpConfig { tls, ..HttpConfig::default() }, Redactor::default()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let req = Request { method: "GET".into(), url: url::Url::parse(&format!("{url}/v2/images")).unwrap(), headers: Vec::new() };
    rt.block_on(http.send(&req))
}

#[test]
fn certificates_are_verified_unless_trusted_with_cacert_or_waived_with_insecure() {
    let url = https_server();
    let untrusted = get(&url, Default::default());
    assert_eq!(untrusted.status, None);
    let reason = untrusted.error.unwrap().to_string();
    assert!(reason.to_lowercase().contains("certificate"), "{reason}");

    let ca = root().join("tests/fixtures/tls/ca.pem");
    assert_eq!(get(&url, specgate::auth::Tls { cacert: Some(ca), insecure: false }).status, Some(200));
    assert_eq!(get(&url, specgate::auth::Tls { cacert: None, insecure: true }).status, Some(200));
}

#[test]
fn insecure_runs_say_so_in_every_report() {
    let url = https_server();
    let dir = report_dir("tls-insecure");
    let spec = fixture("snapshot.yaml");
    let snaps = dir.join("snapshots");
    let out = common::specgate(&[
        "run",
        spec.to_str().unwrap(),
        "--target",
        &url,
        "--insecure",
        "--report-dir",
        dir.to_str().unwrap(),
        "--snapshot-dir",
        snaps.to_str().unwrap(),
        "--update-snapshots",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("warning: TLS certificates were not verified (--insecure)"));
    let read = |f: &str| std::fs::read_to_string(Path::new(&dir).join(f)).unwrap();
    assert!(read("report.md").contains("> **Warning:** TLS certificates were not verified (--insecure)"));
    assert!(read("report.html").contains("<b>Warning:</b> TLS certificates were not verified"));
    assert_eq!(common::results(&dir)["run"]["warnings"][0], "TLS certificates were not verified (--insecure)");
}

#[test]
fn the_proxy_environment_is_honoured() {
    // The fixture API doubles as the proxy: an absolute-form request for the unresolvable
    // host reaches it only through HTTP_PROXY.
    let proxy = common::serve(Mode::Good);
    let dir = report_dir("tls-proxy");
    let spec = fixture("listing.yaml");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_specgate"));
    cmd.args(["run", spec.to_str().unwrap(), "--target", "http://specgate-proxy-check.invalid", "--report-dir", dir.to_str().unwrap()]);
    for k in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "http_proxy", "SPECGATE_TOKEN"] {
        cmd.env_remove(k);
    }
    let out = cmd.current_dir(root()).env("HTTP_PROXY", &proxy).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// A plain-HTTP server on 127.0.0.1: `/moved` redirects to `/here` (302), and `/to-tls` to
/// `tls` (an HTTPS URL); anything else is one small image list.
fn redirecting_server(tls: String) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let tls = tls.clone();
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let answer = match path.as_str() {
                    "/moved" => "HTTP/1.1 302 Found\r\nLocation: /here\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
                    "/to-tls" => {
                        format!("HTTP/1.1 302 Found\r\nLocation: {tls}/v2/images\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    }
                    _ => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{BODY}",
                        BODY.len()
                    ),
                };
                let _ = stream.write_all(answer.as_bytes());
            });
        }
    });
    format!("http://{addr}")
}

fn send(http: &Http, url: &str) -> specgate::http::Exchange {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let req = Request { method: "GET".into(), url: url::Url::parse(url).unwrap(), headers: Vec::new() };
    rt.block_on(http.send(&req))
}

#[test]
fn a_plain_http_client_reads_certificates_only_for_what_needs_them() {
    let tls = https_server();
    let plain = redirecting_server(tls.clone());
    let http = Http::plain_first(HttpConfig::default(), Redactor::default()).unwrap();
    assert!(!http.reads_certificates());

    let direct = send(&http, &format!("{plain}/v2/images"));
    assert_eq!((direct.status, direct.body.bytes()), (Some(200), BODY.as_bytes()));
    assert!(!http.reads_certificates(), "a plain GET needs no certificate");

    // A redirect is followed, by the client that can follow it anywhere.
    let moved = send(&http, &format!("{plain}/moved"));
    assert_eq!((moved.status, moved.body.bytes()), (Some(200), BODY.as_bytes()));
    assert!(http.reads_certificates());

    // An HTTPS URL, directly or at the end of a redirect, is verified as by the default client:
    // this server's certificate is signed by the test CA only.
    for url in [format!("{tls}/v2/images"), format!("{plain}/to-tls")] {
        let http = Http::plain_first(HttpConfig::default(), Redactor::default()).unwrap();
        let refused = send(&http, &url);
        assert_eq!(refused.status, None, "{url}");
        let reason = refused.error.unwrap().to_string();
        assert!(reason.to_lowercase().contains("certificate"), "{url}: {reason}");
        assert!(http.reads_certificates(), "{url}");
    }
}
