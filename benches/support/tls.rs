//! TLS for the benchmarks' upstream stand-ins: a certificate authority made for the run and a
//! `127.0.0.1` certificate it signs, so the service reaches the stand-ins over TLS as it reaches
//! PortOne and Supabase in production, with HTTP/2 negotiated by ALPN (poem's rustls listener
//! offers `h2` and `http/1.1`). The service trusts the authority through `SSL_CERT_FILE`, which
//! reqwest's platform verifier reads on Linux (rustls-native-certs); nothing in the service
//! changes for the bench.

use std::path::PathBuf;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};

/// A run's authority and the stand-ins' certificate, PEM.
pub struct TestTls {
    /// Where the authority's certificate was written, for the service's `SSL_CERT_FILE`.
    pub ca_file: PathBuf,
    /// The `127.0.0.1` certificate the stand-ins serve.
    pub cert_pem: String,
    /// Its private key.
    pub key_pem: String,
}

impl TestTls {
    /// A fresh authority (written to a file in the temporary directory) and a certificate for
    /// 127.0.0.1 (an IP address SAN) signed by it.
    pub fn generate() -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        let ca_file = std::env::temp_dir().join(format!("bench-ca-{}.pem", std::process::id()));
        std::fs::write(&ca_file, ca.pem()).unwrap();
        Self {
            ca_file,
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

impl Drop for TestTls {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.ca_file);
    }
}
