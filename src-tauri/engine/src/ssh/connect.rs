//! Opening an SSH session: TCP with a timeout, the handshake, the host key decision, authentication.

use super::host_keys::{changed_key_error, fingerprint_sha256, KnownHosts, Verdict};
use crate::error::{AppError, ErrorCode, Result};
use crate::secret::Secret;
use ssh2::Session;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

pub enum SshAuth {
    Password(Secret),
    /// A private key held in memory (from Vault or the keychain).
    KeyMemory {
        private_key: Secret,
        passphrase: Option<Secret>,
    },
    KeyFile {
        path: PathBuf,
        passphrase: Option<Secret>,
    },
    /// The running ssh-agent (SSH_AUTH_SOCK).
    Agent,
}

/// What the user decided about an unknown host key, for the fingerprint they were shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HostKeyDecision {
    /// Only keys already in known_hosts are accepted.
    KnownOnly,
    TrustOnce {
        fingerprint: String,
    },
    TrustAndSave {
        fingerprint: String,
    },
}

pub struct SshLogin {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub auth: SshAuth,
    pub timeout: Duration,
}

fn io_error(login: &SshLogin, err: std::io::Error) -> AppError {
    let code = match err.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => ErrorCode::Timeout,
        _ => ErrorCode::Unreachable,
    };
    AppError::new(code, format!("Could not reach {}:{} over SSH: {err}", login.host, login.port))
}

fn ssh_error(what: &str, err: ssh2::Error) -> AppError {
    AppError::new(ErrorCode::ProviderError, format!("SSH {what} failed: {err}"))
}

/// Connects and authenticates; the session comes back blocking, with keepalives on.
pub fn connect(login: &SshLogin, known_hosts: &KnownHosts, decision: &HostKeyDecision) -> Result<Session> {
    let address = (login.host.as_str(), login.port)
        .to_socket_addrs()
        .map_err(|err| io_error(login, err))?
        .next()
        .ok_or_else(|| AppError::new(ErrorCode::Unreachable, format!("{} has no address.", login.host)))?;
    let tcp = TcpStream::connect_timeout(&address, login.timeout).map_err(|err| io_error(login, err))?;
    tcp.set_nodelay(true).ok();
    let mut session = Session::new().map_err(|err| ssh_error("setup", err))?;
    session.set_tcp_stream(tcp);
    session.set_timeout(login.timeout.as_millis() as u32);
    session.handshake().map_err(|err| ssh_error("handshake", err))?;

    // A decision is about a fingerprint: a server whose key has none cannot be checked.
    let fingerprint = fingerprint_sha256(&session).ok_or_else(|| {
        AppError::internal("The server's host key has no fingerprint: VMDeck does not connect unchecked.")
    })?;
    match known_hosts.check(&session, &login.host, login.port)? {
        Verdict::Known => {}
        Verdict::Revoked => {
            return Err(AppError::new(
                ErrorCode::HostKeyRevoked,
                format!(
                    "The host key of {} ({fingerprint}) is marked @revoked in your known_hosts: VMDeck never accepts it.",
                    login.host
                ),
            )
            .with_detail("fingerprint", fingerprint))
        }
        Verdict::Changed => {
            return Err(changed_key_error(&login.host, login.port, &fingerprint, known_hosts.path()))
        }
        Verdict::Unknown => match decision {
            HostKeyDecision::TrustOnce { fingerprint: seen } if *seen == fingerprint => {}
            HostKeyDecision::TrustAndSave { fingerprint: seen } if *seen == fingerprint => {
                known_hosts.trust(&session, &login.host, login.port)?;
            }
            _ => {
                let key_type = session.host_key().map(|(_, kind)| format!("{kind:?}")).unwrap_or_default();
                return Err(AppError::new(
                    ErrorCode::HostKeyUnknown,
                    format!(
                        "{} is not known yet. Check its fingerprint, then trust it once or save it.",
                        login.host
                    ),
                )
                .with_detail("fingerprint", fingerprint)
                .with_detail("key_type", key_type)
                .with_detail("host", login.host.clone())
                .with_detail("port", login.port));
            }
        },
    }

    let user = login.user.as_str();
    let result = match &login.auth {
        SshAuth::Password(password) => session.userauth_password(user, password.expose()),
        SshAuth::KeyMemory { private_key, passphrase } => session.userauth_pubkey_memory(
            user,
            None,
            private_key.expose(),
            passphrase.as_ref().map(Secret::expose),
        ),
        SshAuth::KeyFile { path, passphrase } => {
            session.userauth_pubkey_file(user, None, path, passphrase.as_ref().map(Secret::expose))
        }
        SshAuth::Agent => session.userauth_agent(user),
    };
    if result.is_err() || !session.authenticated() {
        let why = result.err().map(|e| e.to_string()).unwrap_or_default();
        return Err(AppError::new(
            ErrorCode::AuthFailed,
            format!(
                "{}@{} refused the login. Check the user and the password or key.",
                login.user, login.host
            ),
        )
        .with_detail("cause", why));
    }
    session.set_keepalive(true, 30);
    // The login timeout must not cut an idle shell later.
    session.set_timeout(0);
    Ok(session)
}
