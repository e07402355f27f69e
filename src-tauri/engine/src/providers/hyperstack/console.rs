//! Hyperstack's console is a job: `GET …/request-console` answers the path of a follow-up
//! (`{status, message, url}`, SDK `RequestConsole`), and the follow-up answers `{status, message, vnc_url:
//! {id, vnc_url}}` (SDK `VNCURL`/`VNCURLFields`) once the job is done. What it answers before that is not
//! documented: a 404 (a documented status of the endpoint) or an answer without a link both mean "not yet",
//! until the deadline.

use super::super::{text, unsupported};
use super::Hyperstack;
use crate::error::{AppError, ErrorCode, Result};
use crate::model::ConsoleTarget;
use serde_json::Value;
use std::time::Duration;

/// How long the console job may take and how often it is asked; the UI says "up to a minute".
#[derive(Debug, Clone, Copy)]
pub struct ConsolePolling {
    pub every: Duration,
    pub deadline: Duration,
}

impl Default for ConsolePolling {
    fn default() -> Self {
        Self { every: Duration::from_secs(2), deadline: Duration::from_secs(60) }
    }
}

/// The link of a follow-up answer: `vnc_url.vnc_url` as documented, or a plain string `vnc_url` (the shape
/// older clients assumed), whichever is there.
pub(crate) fn link_of(answer: &Value) -> Option<String> {
    match answer.get("vnc_url") {
        Some(Value::Object(fields)) => fields.get("vnc_url").and_then(Value::as_str),
        Some(Value::String(url)) => Some(url.as_str()),
        _ => None,
    }
    .filter(|url| !url.trim().is_empty())
    .map(str::to_owned)
}

impl Hyperstack {
    pub(super) async fn console_link(&self, id: &str) -> Result<ConsoleTarget> {
        let first = self.get(&super::vm_path(id, "/request-console")).await?;
        let Some(path) = text(&first, "url") else {
            return Err(unsupported(super::ProviderKind::Hyperstack, "console for this VM"));
        };
        let started = tokio::time::Instant::now();
        let mut last_seen;
        loop {
            match self.get(&path).await {
                Ok(answer) => match link_of(&answer) {
                    Some(url) => return Ok(ConsoleTarget::Url { url }),
                    None => last_seen = format!("an answer without a link: {}", summary(&answer)),
                },
                Err(err) if err.code == ErrorCode::NotFound => last_seen = "404 (job not ready)".into(),
                Err(err) => return Err(err),
            }
            if started.elapsed() + self.console_polling.every > self.console_polling.deadline {
                return Err(AppError::new(
                    ErrorCode::Timeout,
                    format!(
                        "Hyperstack did not finish preparing the console in {} s. Try again in a moment.",
                        self.console_polling.deadline.as_secs()
                    ),
                )
                .with_detail("provider", "Hyperstack")
                .with_detail("request", format!("GET {path}"))
                .with_detail("last_answer", last_seen));
            }
            tokio::time::sleep(self.console_polling.every).await;
        }
    }
}

/// The follow-up answer, short, for the error's details.
fn summary(answer: &Value) -> String {
    let text = answer.to_string();
    if text.chars().count() > 200 {
        format!("{}…", text.chars().take(200).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::link_of;
    use serde_json::json;

    #[test]
    fn the_documented_object_and_a_plain_string_both_give_the_link() {
        let documented =
            json!({"status": true, "message": "ok", "vnc_url": {"id": 5, "vnc_url": "https://c/x"}});
        assert_eq!(link_of(&documented).as_deref(), Some("https://c/x"));
        assert_eq!(link_of(&json!({"vnc_url": "https://c/y"})).as_deref(), Some("https://c/y"));
        assert_eq!(link_of(&json!({"vnc_url": {"id": 5, "vnc_url": null}})), None);
        assert_eq!(link_of(&json!({"status": true, "message": "wait"})), None);
    }
}
