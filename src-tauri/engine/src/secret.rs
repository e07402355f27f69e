//! A secret value (API key, token, password) that cannot leak by accident.
//!
//! `Debug` and `Display` print `***`; serialising it fails, so a secret can never end up in the
//! settings store, an event payload or a log line; the memory is zeroed when it is dropped.
//! Reading the value takes an explicit `expose()`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use zeroize::Zeroizing;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The plain value, for the one place that must send it (an HTTP header, the keychain).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("a Secret is never serialised"))
    }
}

/// Secrets arrive from the UI (a form field) and are deserialised once, on their way to the keychain.
impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(***)");
    }

    #[test]
    fn refuses_to_serialise_even_inside_a_struct() {
        #[derive(Serialize)]
        struct Account {
            name: String,
            key: Secret,
        }
        let account = Account { name: "a".into(), key: Secret::new("hunter2") };
        let err = serde_json::to_string(&account).unwrap_err();
        assert!(err.to_string().contains("never serialised"), "{err}");
    }

    #[test]
    fn deserialises_from_a_plain_string_and_exposes_on_request() {
        let secret: Secret = serde_json::from_str("\"hunter2\"").unwrap();
        assert_eq!(secret.expose(), "hunter2");
    }
}
