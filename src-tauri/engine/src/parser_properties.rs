//! Property tests of every parser of outside input (proptest): provider JSON mappers, known_hosts lines,
//! cloud-init YAML, Vault paths and templates, account import JSON, error texts with URLs. Each runs a
//! bounded number of generated cases (`VMDECK_PROPTEST_CASES`, 256 by default) and appends
//! "name: N cases, F failures" to test-output/proptest.txt, which CI prints.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;

fn cases() -> u32 {
    std::env::var("VMDECK_PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
}

/// Runs `property` over `strategy`, records the figure, and fails the test on a counterexample.
fn check<S: Strategy>(name: &str, strategy: S, property: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let cases = cases();
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let outcome = runner.run(&strategy, property);
    let failures = u32::from(outcome.is_err());
    let summary = format!("{name}: {cases} cases, {failures} failures\n");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-output");
    if std::fs::create_dir_all(&out).is_ok() {
        use std::io::Write;
        if let Ok(mut file) =
            std::fs::OpenOptions::new().create(true).append(true).open(out.join("proptest.txt"))
        {
            let _ = file.write_all(summary.as_bytes());
        }
    }
    if let Err(err) = outcome {
        panic!("{name}: {err}");
    }
}

/// Keys the mappers look for, so generated records reach their branches, and any others.
const KEYS: &[&str] = &[
    "id",
    "_id",
    "name",
    "status",
    "status_raw",
    "hostname",
    "addresses",
    "addr",
    "external",
    "info",
    "extra",
    "flavor",
    "ram",
    "vcpu",
    "cpu",
    "disk",
    "ip",
    "floating_ip",
    "fixed_ip",
    "image",
    "region",
    "environment",
    "keypair",
    "security_rules",
    "port_randomization",
    "login_details",
    "ipConfigurations",
    "address",
    "type",
    "sshkeys",
    "regions",
    "securitygroups",
    "success",
    "value",
    "group_id",
    "data",
    "vm_id",
    "plan_id",
];

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,24}".prop_map(Value::String),
        prop_oneof![
            Just("ACTIVE"),
            Just("SHUTOFF"),
            Just("running"),
            Just("yes"),
            Just("1.2.3.4"),
            Just("3")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (prop_oneof![prop::sample::select(KEYS).prop_map(str::to_owned), ".{0,8}"], inner),
                0..8
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

#[test]
fn provider_json_mappers_never_panic_on_any_record() {
    check("provider JSON mappers", json(), |value| {
        let _ = crate::providers::hyperstack::records::vm_of(&value);
        let _ = crate::providers::hyperstack::records::flavor_of(&value);
        let _ = crate::providers::hyperstack::records::rule_of(&value);
        let _ = crate::providers::hyperstack::console::link_of(&value);
        let _ = crate::providers::lunanode::records::vm_of_info(&value);
        let _ = crate::providers::lunanode::records::key_pairs_of(&value);
        let _ = crate::providers::lunanode::records::regions_of(&value);
        let _ = crate::providers::lunanode::records::security_groups_of(&value);
        let _ = crate::providers::enclaive::vm_of(&value);
        let _ = crate::providers::cloudvm::vm_of(&value, "env");
        Ok(())
    });
}

#[test]
fn lunanode_records_never_show_a_login_password() {
    let details = (
        "[a-z]{1,8}",
        "[A-Za-z0-9]{6,16}",
        prop::sample::select(&["password: ", "Password:", "pw=", " / "][..]),
    );
    check("lunanode login_details redaction", details, |(user, password, glue)| {
        let answer = serde_json::json!({"info": {"login_details": format!("username: {user}; {glue}{password}")}, "extra": {}});
        let shown = crate::providers::lunanode::records::vm_of_info(&answer).extra.to_string();
        prop_assert!(!shown.contains(&password), "{shown}");
        Ok(())
    });
}

#[test]
fn known_hosts_lines_are_split_without_loss_or_panic() {
    let line = prop_oneof![
        ".{0,60}",
        (
            "(@revoked|@cert-authority|@x)?",
            "[a-z0-9.*,\\[\\]:]{0,20}",
            "(ssh-ed25519|ssh-rsa)",
            "[A-Za-z0-9+/=]{0,30}"
        )
            .prop_map(|(m, h, t, k)| format!("{m} {h} {t} {k}")),
    ];
    check("known_hosts lines", prop::collection::vec(line, 0..12), |lines| {
        let text = lines.join("\n");
        let (plain, markers) = crate::ssh::host_keys::split_markers(&text);
        for kept in &plain {
            prop_assert!(!kept.starts_with('@') && !kept.starts_with('#'));
        }
        prop_assert!(
            plain.len() + markers.revoked.len() + markers.cert_authority_hosts.len()
                <= text.lines().count() * 8 + 1
        );
        Ok(())
    });
}

#[test]
fn cloud_init_checks_answer_every_text_quickly() {
    use crate::providers::Provider;
    let caps = crate::providers::hyperstack::Hyperstack::new("http://127.0.0.1:9", crate::Secret::new("key"))
        .unwrap()
        .capabilities();
    let yaml = prop_oneof![
        ".{0,200}".prop_map(|s| format!("#cloud-config\n{s}")),
        prop::collection::vec(
            ("[a-c]", prop_oneof![Just("&a"), Just("*a"), Just("[*a, *a]"), Just("x")]),
            0..30
        )
        .prop_map(|pairs| format!(
            "#cloud-config\n{}",
            pairs.into_iter().map(|(k, v)| format!("{k}: {v}\n")).collect::<String>()
        )),
        ".{0,100}",
    ];
    check("cloud-init YAML", yaml, |text| {
        let started = std::time::Instant::now();
        let _ = crate::create::user_data_problem(&text, &caps);
        prop_assert!(started.elapsed() < std::time::Duration::from_secs(2));
        Ok(())
    });
}

#[test]
fn vault_templates_never_climb_out_of_their_segment() {
    let value = prop_oneof!["[a-z0-9-]{1,12}", ".{0,12}", Just("..".to_owned()), Just("a/../b".to_owned())];
    let template = prop_oneof![
        Just("secret/data/{vmName}".to_owned()),
        Just("kv/{teamId}/{vmId}?version=2".to_owned()),
        ".{0,30}",
    ];
    check("Vault paths and templates", (template, value), |(template, value)| {
        let vars = crate::vault::PathVars {
            vm_name: Some(value.clone()),
            team_id: Some(value.clone()),
            vm_id: Some(value.clone()),
            ..Default::default()
        };
        if let Ok(path) = crate::vault::resolve_template(&template, &vars) {
            if template.contains('{') && (value.contains('/') || value.contains("..")) {
                prop_assert!(false, "{template} filled with {value:?} gave {path}");
            }
            let _ = crate::vault::split_version(&path);
        }
        Ok(())
    });
}

#[test]
fn account_import_refuses_or_reads_any_json_and_never_panics() {
    let text = prop_oneof![json().prop_map(|v| v.to_string()), ".{0,80}"];
    check("account import JSON", text, |text| {
        let dir = tempfile::tempdir().unwrap();
        let store =
            std::sync::Arc::new(crate::accounts::JsonFileStore::new(dir.path().join("accounts.json")));
        let service = crate::accounts::AccountService::new(
            store,
            std::sync::Arc::new(crate::accounts::MemorySecrets::default()),
        );
        if let Ok(added) = service.import(&text) {
            for account in added {
                prop_assert!(account.draft.validate().is_ok(), "imported an account that does not validate");
            }
        }
        Ok(())
    });
}

#[test]
fn error_texts_lose_url_credentials() {
    let parts = ("[a-z]{1,8}", "[A-Za-z0-9!$]{1,12}", "[a-z.]{1,12}", ".{0,20}");
    check("URL userinfo in error texts", parts, |(user, password, host, tail)| {
        let text = format!("proxy http://{user}:{password}@{host}:3128 failed {tail}");
        let clean = crate::error::without_userinfo(&text);
        prop_assert!(!clean.contains(&format!("{user}:{password}@")), "{clean}");
        prop_assert_eq!(crate::error::without_userinfo(&clean), clean.clone(), "idempotent");
        Ok(())
    });
}
