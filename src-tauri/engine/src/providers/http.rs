//! The one way providers talk HTTP: a timeout on every call, retries only where they are safe, errors
//! mapped to stable codes with the provider's own message kept, and a tracing span per request that never
//! holds a secret (no headers, no bodies, no query of a signed call).

use crate::error::{cause_chain, is_tls_failure, AppError, ErrorCode, Result};
use crate::model::ProviderKind;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// Whether a request may be sent again after a 429 or 503: reads may, a create may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    Idempotent,
    Never,
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base_delay: Duration,
    /// A longer Retry-After than this is not waited for: the error reaches the user instead.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { attempts: 3, base_delay: Duration::from_millis(250), max_delay: Duration::from_secs(10) }
    }
}

/// Pulls the human message out of a provider's error body.
pub type MessageOf = fn(&str) -> Option<String>;

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    pub provider: ProviderKind,
    retry: RetryPolicy,
    message_of: MessageOf,
}

/// An answer whose status was 2xx.
pub struct Answer {
    pub status: StatusCode,
    pub body: String,
    content_type: String,
}

impl Answer {
    pub fn json<T: DeserializeOwned>(&self, provider: ProviderKind) -> Result<T> {
        parse_json(provider, &self.content_type, &self.body)
    }
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// The most VMDeck reads of one answer: far above a real listing (2,000 VMs are a few MiB).
pub const MAX_BODY: usize = 32 << 20;

impl Http {
    pub fn new(provider: ProviderKind, message_of: MessageOf) -> Result<Self> {
        Self::with(provider, message_of, DEFAULT_TIMEOUT, RetryPolicy::default())
    }

    pub fn with(
        provider: ProviderKind,
        message_of: MessageOf,
        timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Self> {
        Self::with_options(provider, message_of, timeout, retry, None, None)
    }

    /// With an account's own proxy and CA certificate. Without a proxy, reqwest honours HTTPS_PROXY,
    /// HTTP_PROXY and NO_PROXY ("system-proxy").
    pub fn with_options(
        provider: ProviderKind,
        message_of: MessageOf,
        timeout: Duration,
        retry: RetryPolicy,
        proxy: Option<&str>,
        ca_pem: Option<&str>,
    ) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .redirect(same_origin_redirects())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("VMDeck/", env!("CARGO_PKG_VERSION")));
        if let Some(proxy) = proxy.map(str::trim).filter(|p| !p.is_empty()) {
            let proxy = reqwest::Proxy::all(proxy)
                .map_err(|err| AppError::invalid_input("proxy", format!("Not a proxy URL: {err}")))?;
            builder = builder.proxy(proxy);
        }
        if let Some(pem) = ca_pem.map(str::trim).filter(|p| !p.is_empty()) {
            builder = builder.add_root_certificate(ca_certificate(pem)?);
        }
        let client = builder
            .build()
            .map_err(|err| AppError::internal(format!("Could not set up the HTTP client: {err}")))?;
        Ok(Self { client, provider, retry, message_of })
    }

    pub fn request(&self, method: Method, url: &str) -> RequestBuilder {
        self.client.request(method, url)
    }

    /// Sends a request built by `build` (called again for each attempt) and returns a 2xx answer.
    pub async fn send(&self, retry: Retry, build: impl Fn() -> RequestBuilder) -> Result<Answer> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let request = build().build().map_err(|err| AppError::internal(format!("Bad request: {err}")))?;
            let (method, path) = (request.method().clone(), request.url().path().to_owned());
            let span = tracing::info_span!("provider_request", provider = ?self.provider, %method, %path, status = tracing::field::Empty, ms = tracing::field::Empty);
            let started = Instant::now();
            let outcome = self.client.execute(request).instrument(span.clone()).await;
            span.record("ms", started.elapsed().as_millis() as u64);
            let response = match outcome {
                Ok(response) => response,
                Err(err) => return Err(self.transport_error(&err, &method, &path)),
            };
            span.record("status", response.status().as_u16());
            let status = response.status();
            let retry_after = retry_after(&response);
            let content_type = content_type(&response);
            let body = self.read_body(response, &method, &path).await?;
            if status.is_success() {
                return Ok(Answer { status, body, content_type });
            }
            let retryable = matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE);
            if retry == Retry::Idempotent && retryable && attempt < self.retry.attempts {
                let delay = retry_after.unwrap_or(self.retry.base_delay * 2u32.pow(attempt - 1));
                if delay <= self.retry.max_delay {
                    tracing::warn!(parent: &span, ?delay, attempt, "retrying after {status}");
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            return Err(self.status_error(status, &content_type, &body, retry_after, &method, &path));
        }
    }

    /// The answer's body, at most `MAX_BODY` bytes: a runaway or hostile server cannot fill memory.
    async fn read_body(&self, mut response: Response, method: &Method, path: &str) -> Result<String> {
        let too_big = || {
            self.where_(
                AppError::new(
                    ErrorCode::MalformedResponse,
                    format!(
                        "{}'s answer is larger than {} MiB; VMDeck stopped reading it.",
                        self.provider.display_name(),
                        MAX_BODY >> 20
                    ),
                ),
                method,
                path,
            )
        };
        if response.content_length().is_some_and(|len| len > MAX_BODY as u64) {
            return Err(too_big());
        }
        let mut body = Vec::new();
        while let Some(chunk) =
            response.chunk().await.map_err(|err| self.transport_error(&err, method, path))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    fn where_(&self, error: AppError, method: &Method, path: &str) -> AppError {
        error
            .with_detail("provider", self.provider.display_name())
            .with_detail("request", format!("{method} {path}"))
    }

    fn transport_error(&self, err: &reqwest::Error, method: &Method, path: &str) -> AppError {
        let name = self.provider.display_name();
        let chain = cause_chain(err);
        let error = if err.is_timeout() {
            AppError::new(
                ErrorCode::Timeout,
                format!("{name} did not answer in time. Try again, or check your network."),
            )
        } else if is_tls_failure(&chain) {
            AppError::new(ErrorCode::TlsFailure, format!("The secure connection to {name} failed: {chain}"))
        } else if err.is_connect() {
            AppError::new(
                ErrorCode::Unreachable,
                format!("Could not reach {name}. Check the address and your network."),
            )
        } else if err.is_decode() || err.is_body() {
            AppError::new(ErrorCode::MalformedResponse, format!("{name}'s answer broke off: {chain}"))
        } else {
            AppError::new(ErrorCode::Unreachable, format!("The request to {name} failed: {chain}"))
        };
        self.where_(error.with_detail("cause", chain), method, path)
    }

    fn status_error(
        &self,
        status: StatusCode,
        content_type: &str,
        body: &str,
        retry_after: Option<Duration>,
        method: &Method,
        path: &str,
    ) -> AppError {
        let name = self.provider.display_name();
        let html = content_type.starts_with("text/html") || body.trim_start().starts_with('<');
        let said = if html { None } else { (self.message_of)(body) };
        let suffix =
            said.as_deref().map(|m| format!(" {name} said: \u{201c}{m}\u{201d}")).unwrap_or_default();
        let (code, message) = match status.as_u16() {
            401 => (ErrorCode::AuthFailed, format!("{name} rejected the credentials; check or renew the API key or token.{suffix}")),
            403 => (ErrorCode::PermissionDenied, format!("{name} refused this for these credentials.{suffix}")),
            404 => (ErrorCode::NotFound, format!("{name} does not know it (any more).{suffix}")),
            409 => (ErrorCode::Conflict, format!("{name} says this conflicts with the current state.{suffix}")),
            429 => {
                let wait = retry_after.map(|d| format!(" Wait {} s and try again.", d.as_secs().max(1))).unwrap_or_default();
                (ErrorCode::RateLimited, format!("{name} is limiting requests.{wait}{suffix}"))
            }
            400 | 405 | 412 | 422 => (ErrorCode::InvalidInput, format!("{name} rejected the request.{suffix}")),
            300..=399 => (
                ErrorCode::ProviderError,
                format!("{name} redirected this request to another address; VMDeck does not follow it there, so your credentials stay where you confirmed them. Check the account's address."),
            ),
            _ if html => (
                ErrorCode::ProviderError,
                format!("{name} answered with an HTML error page (HTTP {}), probably from a proxy in front of it.", status.as_u16()),
            ),
            _ => (ErrorCode::ProviderError, format!("{name} reported an error (HTTP {}).{suffix}", status.as_u16())),
        };
        let mut error = AppError::new(code, message).with_detail("status", status.as_u16());
        if let Some(said) = said {
            error = error.with_detail("provider_message", said);
        }
        if let Some(wait) = retry_after {
            error = error.with_detail("retry_after_secs", wait.as_secs());
        }
        self.where_(error, method, path)
    }
}

/// Redirects are followed only within the same scheme, host and port (at most 5): the API key header, the
/// Lunanode form and tokens would otherwise go along to wherever a server points, or from https to http.
/// A refused redirect comes back as the 3xx answer itself, which `status_error` words.
pub fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same = attempt.previous().last().is_some_and(|from| {
            from.scheme() == attempt.url().scheme()
                && from.host_str() == attempt.url().host_str()
                && from.port_or_known_default() == attempt.url().port_or_known_default()
        });
        if same && attempt.previous().len() <= 5 {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Parses a PEM CA certificate; reqwest with rustls checks only when the client is built, so this does.
pub fn ca_certificate(pem: &str) -> Result<reqwest::Certificate> {
    let invalid =
        |why: String| AppError::invalid_input("ca_certificate_pem", format!("Not a PEM certificate: {why}"));
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(invalid("it has no BEGIN CERTIFICATE line.".into()));
    }
    let certificate =
        reqwest::Certificate::from_pem(pem.as_bytes()).map_err(|err| invalid(err.to_string()))?;
    reqwest::Client::builder()
        .add_root_certificate(certificate.clone())
        .build()
        .map_err(|err| invalid(err.to_string()))?;
    Ok(certificate)
}

fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn content_type(response: &Response) -> String {
    response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Parses a 2xx body, saying plainly when it is an HTML page or broken JSON.
pub fn parse_json<T: DeserializeOwned>(provider: ProviderKind, content_type: &str, body: &str) -> Result<T> {
    let name = provider.display_name();
    if content_type.starts_with("text/html") || body.trim_start().starts_with('<') {
        return Err(AppError::new(
            ErrorCode::MalformedResponse,
            format!("{name} answered with an HTML page instead of data; is the address right?"),
        )
        .with_detail("provider", name));
    }
    serde_json::from_str(body).map_err(|err| {
        AppError::new(
            ErrorCode::MalformedResponse,
            format!("{name} answered with data VMDeck could not read: {err}"),
        )
        .with_detail("provider", name)
    })
}

/// `message` of a JSON error body (Hyperstack, enclaive).
pub fn json_message(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value.get("message").and_then(|m| m.as_str()).map(str::to_owned)
}

/// The trimmed text of a plain-text error body (Go's `http.Error`).
pub fn text_message(body: &str) -> Option<String> {
    let text = body.trim();
    (!text.is_empty() && text.len() < 2000).then(|| text.to_owned())
}
