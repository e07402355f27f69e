//! Faults a test can inject per route: latency, an error status (429 with Retry-After, 5xx), a hanging
//! connection, malformed JSON, or an HTML error page where JSON was expected.

use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer normally, but only after this delay.
    Latency { ms: u64 },
    /// Answer with this status and the backend's own error body; `Retry-After` when given.
    Status {
        status: u16,
        #[serde(default)]
        retry_after_secs: Option<u64>,
    },
    /// Accept the request and never answer.
    Hang,
    /// Answer 200 with a body that is not valid JSON.
    MalformedJson,
    /// Answer with an HTML page (as a proxy or load balancer in front of the API would).
    HtmlPage { status: u16 },
}

/// Which requests a fault applies to, and how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// `GET`, `POST`, …; any method when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// Applies to every path that starts with this (e.g. `/v1/core/virtual-machines`).
    pub path_prefix: String,
    pub fault: Fault,
    /// How many requests it hits before it disappears; every one when absent.
    #[serde(default)]
    pub times: Option<u32>,
}

impl FaultRule {
    pub fn new(path_prefix: &str, fault: Fault) -> Self {
        Self { method: None, path_prefix: path_prefix.to_owned(), fault, times: None }
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_owned());
        self
    }

    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.starts_with(&self.path_prefix)
    }
}

/// The rules in force, first match wins; a rule with `times` is used up and then removed.
#[derive(Debug, Default)]
pub struct FaultTable {
    rules: Vec<FaultRule>,
}

impl FaultTable {
    pub fn push(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    pub fn take(&mut self, method: &str, path: &str) -> Option<Fault> {
        let index = self.rules.iter().position(|rule| rule.matches(method, path))?;
        let rule = &mut self.rules[index];
        let fault = rule.fault.clone();
        if let Some(times) = rule.times.as_mut() {
            *times -= 1;
            if *times == 0 {
                self.rules.remove(index);
            }
        }
        Some(fault)
    }
}

pub(crate) const HANG_FOR: Duration = Duration::from_secs(3600);

pub(crate) const MALFORMED_JSON: &str = "{\"status\": true, \"instances\": [{\"id\": 1,";

pub(crate) fn html_page(status: u16) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><title>{status} Error</title></head>\n<body><h1>{status} Error</h1><p>The upstream server is unavailable.</p></body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_matching_rule_wins_and_counted_rules_expire() {
        let mut table = FaultTable::default();
        table.push(FaultRule::new("/v1/core", Fault::Hang).method("POST").times(1));
        table.push(FaultRule::new("/v1", Fault::MalformedJson));
        assert_eq!(table.take("GET", "/v1/core/flavors"), Some(Fault::MalformedJson));
        assert_eq!(table.take("POST", "/v1/core/virtual-machines"), Some(Fault::Hang));
        assert_eq!(table.take("POST", "/v1/core/virtual-machines"), Some(Fault::MalformedJson));
        assert_eq!(table.take("GET", "/api/login"), None);
    }
}
