//! Helpers shared by the fakes' own tests.
#![allow(dead_code)]

use serde_json::Value;
use std::time::{Duration, Instant};
use vmdeck_fakes::{FakeCloud, Options};

pub const STEP: Duration = Duration::from_millis(150);

pub async fn cloud() -> FakeCloud {
    FakeCloud::start(Options { step: STEP }).await.expect("fakes start")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap()
}

/// Asserts that `actual` has the documented example's field names and JSON types, recursively (arrays:
/// every element against the example's first one).
pub fn assert_same_shape(actual: &Value, documented: &Value) {
    shape(actual, documented, "$");
}

fn shape(actual: &Value, documented: &Value, at: &str) {
    match (actual, documented) {
        (Value::Object(a), Value::Object(d)) => {
            let mut a_keys: Vec<_> = a.keys().collect();
            let mut d_keys: Vec<_> = d.keys().collect();
            a_keys.sort();
            d_keys.sort();
            assert_eq!(a_keys, d_keys, "field names differ at {at}");
            for (key, value) in d {
                shape(&a[key], value, &format!("{at}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(d)) => {
            if let Some(example) = d.first() {
                for (i, item) in a.iter().enumerate() {
                    shape(item, example, &format!("{at}[{i}]"));
                }
            }
        }
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_)) => {}
        (Value::Null, Value::Null) => {}
        _ => panic!("type differs at {at}: got {actual}, documented {documented}"),
    }
}

/// Polls `read` until it returns `want` or `within` passes; returns every distinct value seen, in order.
pub async fn watch<F, Fut>(within: Duration, want: &str, mut read: F) -> Vec<String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let deadline = Instant::now() + within;
    let mut seen: Vec<String> = Vec::new();
    loop {
        let value = read().await;
        if seen.last() != Some(&value) {
            seen.push(value.clone());
        }
        if value == want || Instant::now() > deadline {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
