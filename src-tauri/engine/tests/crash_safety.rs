//! Nothing saved is lost when the app dies mid-save: a child process adds, edits and removes accounts in a
//! loop (settings in `accounts.json` through `JsonFileStore`, secrets in the real Secret Service) and is
//! SIGKILLed at a different point each round; after each kill a fresh `AccountService` recovers, and every
//! account the child had seen saved is there with its secret, with the last label it had seen saved, and
//! no keychain entry is left without its account. Prints rounds, kills and accounts lost.
//! Ignored by a plain `cargo test` (it needs an unlocked Secret Service); CI runs it in its D-Bus session.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use vmdeck_engine::accounts::{
    AccountDraft, AccountService, AccountSettings, AccountStore, Journal, JsonFileStore, KeychainSecrets,
};
use vmdeck_engine::keychain::Keychain;
use vmdeck_engine::Secret;

fn service_at(dir: &Path, keychain_service: &str) -> AccountService {
    AccountService::new(
        Arc::new(JsonFileStore::new(dir.join("accounts.json"))),
        Arc::new(KeychainSecrets::new(Keychain::new(keychain_service))),
    )
}

fn draft(label: &str) -> AccountDraft {
    AccountDraft {
        label: label.into(),
        color: "#2f6fde".into(),
        settings: AccountSettings::Hyperstack {
            base_url: "https://infrahub-api.nexgencloud.com/v1".into(),
            default_environment: None,
        },
        vault_path_template: None,
        proxy: None,
        ca_certificate_pem: None,
    }
}

/// The child: changes accounts as fast as it can and says what completed, one line per step.
#[test]
#[ignore = "the child process of accounts_survive_sigkill_at_random_points"]
fn crash_child() {
    let (Some(dir), Ok(keychain)) = (std::env::var_os("CRASH_CHILD_DIR"), std::env::var("CRASH_KEYCHAIN"))
    else {
        return;
    };
    let service = service_at(Path::new(&dir), &keychain);
    service.recover().unwrap();
    let mut out = std::io::stdout().lock();
    let round: usize = std::env::var("CRASH_ROUND").unwrap().parse().unwrap();
    for i in 0.. {
        let label = format!("r{round}-{i}");
        let account = service.add(draft(&label), Secret::new(format!("secret-{label}"))).unwrap();
        writeln!(out, "saved {} {label}", account.id).unwrap();
        out.flush().unwrap();
        let all = service.list().unwrap();
        if i % 2 == 1 {
            let first = &all[0].account;
            let label = format!("{}-edited", first.draft.label);
            writeln!(out, "editing {} {label}", first.id).unwrap();
            out.flush().unwrap();
            service.rename(&first.id, &label).unwrap();
            writeln!(out, "edited {} {label}", first.id).unwrap();
            out.flush().unwrap();
        }
        for oldest in all.iter().take(all.len().saturating_sub(4)).map(|v| &v.account.id) {
            writeln!(out, "removing {oldest}").unwrap();
            out.flush().unwrap();
            service.remove(oldest).unwrap();
            writeln!(out, "removed {oldest}").unwrap();
            out.flush().unwrap();
        }
    }
}

/// Keychain entries of this test's service, by account id (`secret-tool`, package libsecret-tools).
fn keychain_ids(keychain: &str) -> BTreeSet<String> {
    let out = Command::new("secret-tool").args(["search", "--all", "service", keychain]).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("attribute.username = account:").map(str::to_owned))
        .collect()
}

#[test]
#[ignore = "needs an unlocked Secret Service; run by .ci/test inside dbus-run-session"]
fn accounts_survive_sigkill_at_random_points() {
    let rounds: usize = std::env::var("CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let keychain = format!("dev.vmdeck.crash-test-{}", std::process::id());
    // id → the labels it may have after recovery (the last saved one, or the one an edit in flight set).
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let (mut kills, mut lost, mut checked) = (0, 0, 0);
    for round in 0..rounds {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child", "--ignored", "--nocapture", "--test-threads=1", "-q"])
            .env("CRASH_CHILD_DIR", dir.path())
            .env("CRASH_KEYCHAIN", &keychain)
            .env("CRASH_ROUND", round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // A different moment each round, spread over the child's start and its first writes.
        std::thread::sleep(Duration::from_millis(20 + (round as u64 * 7919) % 160));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        let mut saved_now = Vec::new();
        for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                ["saved", id, label] => {
                    saved_now.push((*id).to_owned());
                    expected.insert((*id).to_owned(), BTreeSet::from([(*label).to_owned()]));
                }
                ["editing", id, label] => {
                    expected.get_mut(*id).unwrap().insert((*label).to_owned());
                }
                ["edited", id, label] => {
                    expected.insert((*id).to_owned(), BTreeSet::from([(*label).to_owned()]));
                }
                ["removing", id] => {
                    expected.remove(*id);
                }
                _ => {}
            }
        }
        let service = service_at(dir.path(), &keychain);
        service.recover().unwrap();
        // The file itself (not `list`, which asks the keychain once per account: slow, and checked below).
        let listed: BTreeMap<String, String> = JsonFileStore::new(dir.path().join("accounts.json"))
            .load()
            .unwrap()
            .into_iter()
            .filter(|a| a.journal == Journal::Saved)
            .map(|a| (a.id, a.draft.label))
            .collect();
        // One keychain listing per round (each `get` opens a Secret Service session: too slow for every
        // account every round): every listed account has its entry, and every account the child saved
        // this round gives back its own secret.
        let in_keychain = keychain_ids(&keychain);
        for (id, labels) in &expected {
            checked += 1;
            match listed.get(id) {
                Some(label) if labels.contains(label) => {
                    assert!(in_keychain.contains(id), "round {round}: {id} lost its keychain entry");
                }
                Some(label) => panic!("round {round}: {id} is “{label}”, expected one of {labels:?}"),
                None => lost += 1,
            }
        }
        for id in saved_now.iter().filter(|id| listed.contains_key(*id)) {
            let secret = service.secret(id).unwrap();
            assert!(secret.expose().starts_with("secret-r"), "round {round}: {id} has a wrong secret");
        }
        // An account being removed may still be listed (recover finishes or the remove never began),
        // but then it is whole; and no secret is without its account.
        let orphans: Vec<String> =
            keychain_ids(&keychain).into_iter().filter(|id| !listed.contains_key(id)).collect();
        assert!(orphans.is_empty(), "round {round}: keychain entries without an account: {orphans:?}");
        expected.retain(|id, _| listed.contains_key(id));
        for (id, label) in &listed {
            expected.entry(id.clone()).or_insert_with(|| BTreeSet::from([label.clone()]));
        }
    }
    println!(
        "crash test: {rounds} rounds, {kills} kills, {checked} saved-account checks, accounts lost: {lost}"
    );
    assert_eq!(lost, 0, "accounts saved before a kill were lost");
    assert!(kills > rounds / 2, "most rounds must end in a kill, not a clean exit: {kills}");
    let service = service_at(dir.path(), &keychain);
    for view in service.list().unwrap() {
        service.remove(&view.account.id).unwrap();
    }
    assert!(keychain_ids(&keychain).is_empty());
}
