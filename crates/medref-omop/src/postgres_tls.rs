//! TLS to PostgreSQL for a CDM held on another machine: patient records must
//! not cross a network in clear text, and a server that cannot prove who it
//! is must not receive the user's password.
//!
//! The connection string's `sslmode` keeps libpq's words, with one
//! difference: medref never encrypts without checking the server.
//! `require`, `verify-ca` and `verify-full` all verify the certificate chain
//! against the roots in `sslrootcert` (a PEM file, as for `psql`; else
//! `PGSSLROOTCERT`; else the system's roots) and the server's name against
//! the host in the connection string. `disable` and `prefer` (the default)
//! connect without TLS, so loopback clusters and CI need nothing.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use postgres::Socket;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What the user asked of the connection's security.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TlsChoice {
    /// No TLS (`sslmode` absent, `disable` or `prefer`).
    Plain,
    /// TLS with the server verified; the roots from this file or the system's.
    Verified { root_file: Option<PathBuf> },
}

/// Takes `sslmode` and `sslrootcert` out of a `postgresql://` URL's query,
/// which the client library would refuse (`verify-full`, `sslrootcert`), and
/// returns the URL it can parse with `sslmode=require` where TLS is wanted.
pub(crate) fn split_tls_options(connection: &str) -> Result<(String, TlsChoice), String> {
    let (base, query) = match connection.split_once('?') {
        Some((base, query)) => (base, query),
        None => return Ok((connection.to_string(), TlsChoice::Plain)),
    };
    let mut kept = Vec::new();
    let mut mode = None;
    let mut root_file = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", value)) => mode = Some(value.to_string()),
            Some(("sslrootcert", value)) => root_file = Some(PathBuf::from(value)),
            _ => kept.push(pair),
        }
    }
    let choice = match mode.as_deref() {
        None | Some("disable") | Some("prefer") => TlsChoice::Plain,
        Some("require") | Some("verify-ca") | Some("verify-full") => TlsChoice::Verified {
            root_file: root_file.clone().or_else(|| std::env::var_os("PGSSLROOTCERT").map(PathBuf::from)),
        },
        Some(other) => {
            return Err(format!("sslmode `{other}` is not one of disable, prefer, require, verify-ca, verify-full"))
        }
    };
    if root_file.is_some() && choice == TlsChoice::Plain {
        return Err("sslrootcert is given but sslmode does not ask for TLS (use sslmode=verify-full)".into());
    }
    if choice != TlsChoice::Plain {
        kept.push("sslmode=require");
    }
    let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Ok((url, choice))
}

fn roots(root_file: Option<&Path>) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match root_file {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("sslrootcert {}: {e}", path.display()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("sslrootcert {}: {e}", path.display()))?;
            if certs.is_empty() {
                return Err(format!("sslrootcert {}: no PEM certificate in the file", path.display()));
            }
            for cert in certs {
                store.add(cert).map_err(|e| format!("sslrootcert {}: {e}", path.display()))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                return Err("no system root certificates found; set sslrootcert in the connection string \
                            or PGSSLROOTCERT to the server's CA certificate"
                    .into());
            }
        }
    }
    Ok(store)
}

/// The client's TLS connector for [`postgres::Config::connect`].
#[derive(Clone)]
pub(crate) struct VerifyingTls(Arc<ClientConfig>);

impl VerifyingTls {
    pub(crate) fn new(root_file: Option<&Path>) -> Result<Self, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_root_certificates(roots(root_file)?)
            .with_no_client_auth();
        Ok(Self(Arc::new(config)))
    }
}

impl MakeTlsConnect<Socket> for VerifyingTls {
    type Stream = VerifiedStream;
    type TlsConnect = VerifyingConnect;
    type Error = rustls::pki_types::InvalidDnsNameError;

    fn make_tls_connect(&mut self, domain: &str) -> Result<VerifyingConnect, Self::Error> {
        let name = ServerName::try_from(domain.to_string())?;
        Ok(VerifyingConnect { connector: tokio_rustls::TlsConnector::from(self.0.clone()), name })
    }
}

/// One connection's handshake: checks the chain and that the certificate names `name`.
pub(crate) struct VerifyingConnect {
    connector: tokio_rustls::TlsConnector,
    name: ServerName<'static>,
}

impl TlsConnect<Socket> for VerifyingConnect {
    type Stream = VerifiedStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<VerifiedStream>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        Box::pin(async move { self.connector.connect(self.name, stream).await.map(VerifiedStream) })
    }
}

/// The encrypted stream. No channel binding is offered, so SCRAM runs
/// without it, as against a server that does not support it.
pub(crate) struct VerifiedStream(tokio_rustls::client::TlsStream<Socket>);

impl AsyncRead for VerifiedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for VerifiedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl TlsStream for VerifiedStream {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_root_file_leave_the_url_and_choose_tls() {
        let (url, choice) =
            split_tls_options("postgresql://db.example:5432/cdm?sslmode=verify-full&sslrootcert=/etc/ca.pem").unwrap();
        assert_eq!(url, "postgresql://db.example:5432/cdm?sslmode=require");
        assert_eq!(choice, TlsChoice::Verified { root_file: Some(PathBuf::from("/etc/ca.pem")) });
        let (url, choice) = split_tls_options("postgresql://h/cdm?connect_timeout=5&sslmode=disable").unwrap();
        assert_eq!(url, "postgresql://h/cdm?connect_timeout=5");
        assert_eq!(choice, TlsChoice::Plain);
        assert_eq!(split_tls_options("postgresql://h/cdm").unwrap().1, TlsChoice::Plain);
    }

    #[test]
    fn an_unknown_mode_or_a_root_file_without_tls_is_refused() {
        let e = split_tls_options("postgresql://h/cdm?sslmode=allow-any").unwrap_err();
        assert!(e.contains("sslmode `allow-any`"), "{e}");
        let e = split_tls_options("postgresql://h/cdm?sslrootcert=/ca.pem").unwrap_err();
        assert!(e.contains("sslmode"), "{e}");
    }

    #[test]
    fn a_root_file_without_certificates_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let e = VerifyingTls::new(Some(&path)).err().unwrap();
        assert!(e.contains("ca.pem") && e.contains("no PEM certificate"), "{e}");
    }
}
