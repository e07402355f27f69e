//! Saved accounts: store and keychain always agree, even across a crash between the two writes.
mod common;

use common::cloud;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use vmdeck_engine::accounts::*;
use vmdeck_engine::{ErrorCode, Secret};
use vmdeck_fakes::credentials::*;
use vmdeck_fakes::enclaive::{PROJECT_ID, TEAM_ID};

fn hyperstack_draft(base_url: &str) -> AccountDraft {
    AccountDraft {
        label: "GPU lab".into(),
        color: "#2f6fde".into(),
        settings: AccountSettings::Hyperstack { base_url: base_url.into(), default_environment: None },
        vault_path_template: None,
        proxy: None,
        ca_certificate_pem: None,
    }
}

/// A store that "crashes" (fails) on its n-th save, as if the app died at that point.
struct CrashingStore {
    inner: JsonFileStore,
    crash_on: AtomicUsize,
}

impl AccountStore for CrashingStore {
    fn load(&self) -> vmdeck_engine::error::Result<Vec<Account>> {
        self.inner.load()
    }
    fn save(&self, accounts: &[Account]) -> vmdeck_engine::error::Result<()> {
        if self.crash_on.fetch_sub(1, Ordering::SeqCst) == 1 {
            return Err(vmdeck_engine::AppError::internal("crashed"));
        }
        self.inner.save(accounts)
    }
}

fn service(dir: &std::path::Path, secrets: Arc<MemorySecrets>) -> AccountService {
    AccountService::new(Arc::new(JsonFileStore::new(dir.join("accounts.json"))), secrets)
}

#[test]
fn add_saves_settings_and_secret_and_the_file_holds_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let accounts = service(dir.path(), secrets.clone());
    let account = accounts
        .add(hyperstack_draft("https://infrahub-api.nexgencloud.com/v1"), Secret::new("hs-key-1234"))
        .unwrap();
    assert_eq!(secrets.ids(), vec![account.id]);
    let listed = accounts.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].has_secret, Some(true));
    let file = std::fs::read_to_string(dir.path().join("accounts.json")).unwrap();
    assert!(file.contains("GPU lab") && !file.contains("hs-key-1234"), "{file}");
}

#[test]
fn a_locked_keychain_saves_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    secrets.fail_with(Some(ErrorCode::KeychainLocked));
    let accounts = service(dir.path(), secrets.clone());
    let err = accounts.add(hyperstack_draft("https://h.example/v1"), Secret::new("k")).unwrap_err();
    assert_eq!(err.code, ErrorCode::KeychainLocked);
    secrets.fail_with(None);
    assert!(accounts.list().unwrap().is_empty(), "no half-saved account");
    assert!(JsonFileStore::new(dir.path().join("accounts.json")).load().unwrap().is_empty());
    assert!(secrets.ids().is_empty());
}

#[test]
fn a_crash_at_any_step_of_add_leaves_nothing_after_recovery() {
    // Saves of `add`: 1 journal "adding", 2 after the secret "saved". A crash on save 2 leaves the secret
    // written and the account journalled; recovery must remove both.
    for crash_on in [1, 2] {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Arc::new(MemorySecrets::default());
        let store = CrashingStore {
            inner: JsonFileStore::new(dir.path().join("accounts.json")),
            crash_on: AtomicUsize::new(crash_on),
        };
        let crashing = AccountService::new(Arc::new(store), secrets.clone());
        assert!(crashing.add(hyperstack_draft("https://h.example/v1"), Secret::new("k")).is_err());

        let restarted = service(dir.path(), secrets.clone());
        restarted.recover().unwrap();
        assert!(restarted.list().unwrap().is_empty(), "crash on save {crash_on}");
        assert!(secrets.ids().is_empty(), "crash on save {crash_on}: orphaned secret");
        assert!(JsonFileStore::new(dir.path().join("accounts.json")).load().unwrap().is_empty());
    }
}

#[test]
fn a_crash_during_remove_is_finished_by_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let id = service(dir.path(), secrets.clone())
        .add(hyperstack_draft("https://h.example/v1"), Secret::new("k"))
        .unwrap()
        .id;
    // Saves of `remove`: 1 journal "removing", 2 without the account. Crash on 2: secret gone, account left.
    let store = CrashingStore {
        inner: JsonFileStore::new(dir.path().join("accounts.json")),
        crash_on: AtomicUsize::new(2),
    };
    assert!(AccountService::new(Arc::new(store), secrets.clone()).remove(&id).is_err());
    let restarted = service(dir.path(), secrets.clone());
    assert!(restarted.list().unwrap().is_empty(), "a removing account is not listed");
    assert_eq!(restarted.recover().unwrap(), 1);
    assert!(JsonFileStore::new(dir.path().join("accounts.json")).load().unwrap().is_empty());
    assert!(secrets.ids().is_empty());
}

#[test]
fn remove_rename_and_duplicate_keep_the_keychain_in_step() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let accounts = service(dir.path(), secrets.clone());
    let a = accounts.add(hyperstack_draft("https://h.example/v1"), Secret::new("key-a")).unwrap();
    let copy = accounts.duplicate(&a.id).unwrap();
    assert_eq!(copy.draft.label, "GPU lab (copy)");
    assert_eq!(accounts.secret(&copy.id).unwrap().expose(), "key-a");
    assert_eq!(accounts.rename(&copy.id, "GPU lab 2").unwrap().draft.label, "GPU lab 2");
    accounts.remove(&a.id).unwrap();
    assert_eq!(secrets.ids(), vec![copy.id.clone()]);
    assert_eq!(accounts.list().unwrap().len(), 1);
    assert_eq!(accounts.remove(&a.id).unwrap_err().code, ErrorCode::NotFound);
}

#[test]
fn export_has_no_secrets_and_import_asks_for_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let accounts = service(dir.path(), secrets.clone());
    accounts.add(hyperstack_draft("https://h.example/v1"), Secret::new("very-secret-key")).unwrap();
    let exported = accounts.export().unwrap();
    assert!(!exported.contains("very-secret-key"));

    let other = tempfile::tempdir().unwrap();
    let elsewhere = service(other.path(), Arc::new(MemorySecrets::default()));
    let imported = elsewhere.import(&exported).unwrap();
    assert_eq!(imported.len(), 1);
    let listed = elsewhere.list().unwrap();
    assert_eq!(listed[0].has_secret, Some(false), "the secret is re-entered after import");
    assert_eq!(elsewhere.import("{\"nope\": 1}").unwrap_err().code, ErrorCode::InvalidInput);
}

#[test]
fn drafts_are_validated_per_kind() {
    let mut bad_label = hyperstack_draft("https://h.example/v1");
    bad_label.label = " ".into();
    assert_eq!(bad_label.validate().unwrap_err().details.unwrap()["field"], "label");
    assert_eq!(
        hyperstack_draft("ftp://h.example").validate().unwrap_err().details.unwrap()["field"],
        "base_url"
    );
    let mut luna = hyperstack_draft("https://dynamic.lunanode.com");
    luna.settings = AccountSettings::Lunanode {
        base_url: "https://dynamic.lunanode.com".into(),
        api_id: "short".into(),
        default_region: None,
    };
    assert_eq!(luna.validate().unwrap_err().details.unwrap()["field"], "api_id");
    let mut cloudvm = hyperstack_draft("http://127.0.0.1:8080");
    cloudvm.settings = AccountSettings::Cloudvm {
        base_url: "http://127.0.0.1:8080".into(),
        access_key: "a:b".into(),
        environment: "aws-test1".into(),
        machine_types: vec![],
        ssh_host_template: None,
    };
    assert_eq!(cloudvm.validate().unwrap_err().details.unwrap()["field"], "access_key");
    let mut proxy = hyperstack_draft("https://h.example/v1");
    proxy.ca_certificate_pem = Some("not a certificate".into());
    assert_eq!(proxy.validate().unwrap_err().details.unwrap()["field"], "ca_certificate_pem");
}

fn draft(label: &str, settings: AccountSettings) -> AccountDraft {
    AccountDraft {
        label: label.into(),
        color: "#888".into(),
        settings,
        vault_path_template: None,
        proxy: None,
        ca_certificate_pem: None,
    }
}

#[tokio::test]
async fn test_connection_signs_in_to_each_kind_and_reports_wrong_secrets() {
    let cloud = cloud().await;
    let kinds = [
        (
            draft(
                "enclaive",
                AccountSettings::Enclaive {
                    base_url: cloud.enclaive.url(),
                    sign_in: EnclaiveSignIn::Password,
                    email: ENCLAIVE_EMAIL.into(),
                    team_id: TEAM_ID.into(),
                    project_id: PROJECT_ID.into(),
                    vault_address: None,
                },
            ),
            ENCLAIVE_PASSWORD,
            1,
        ),
        (
            draft(
                "hyperstack",
                AccountSettings::Hyperstack {
                    base_url: format!("{}/v1", cloud.hyperstack.url()),
                    default_environment: None,
                },
            ),
            HYPERSTACK_API_KEY,
            0,
        ),
        (
            draft(
                "lunanode",
                AccountSettings::Lunanode {
                    base_url: cloud.lunanode.url(),
                    api_id: LUNANODE_API_ID.into(),
                    default_region: None,
                },
            ),
            LUNANODE_API_KEY,
            1,
        ),
        (
            draft(
                "cloudvm",
                AccountSettings::Cloudvm {
                    base_url: cloud.cloudvm.url(),
                    access_key: CLOUDVM_ACCESS.into(),
                    environment: "aws-test1".into(),
                    machine_types: vec!["small-debian".into()],
                    ssh_host_template: None,
                },
            ),
            CLOUDVM_SECRET,
            0,
        ),
    ];
    for (draft, secret, vms) in kinds {
        let report = test_connection(&draft, Secret::new(secret)).await.unwrap();
        assert_eq!(report.vm_count, vms, "{}", draft.label);
        assert!(report.summary.starts_with("Signed in to "), "{}", report.summary);
        let wrong = if draft.label == "lunanode" { "x".repeat(128) } else { "wrong".to_owned() };
        let err = test_connection(&draft, Secret::new(wrong)).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::AuthFailed, "{}: {err:?}", draft.label);
    }
}

#[tokio::test]
async fn enclaive_projects_come_from_the_api_for_the_picker() {
    let cloud = cloud().await;
    let settings = AccountSettings::Enclaive {
        base_url: cloud.enclaive.url(),
        sign_in: EnclaiveSignIn::Password,
        email: ENCLAIVE_EMAIL.into(),
        team_id: TEAM_ID.into(),
        project_id: String::new(),
        vault_address: None,
    };
    let projects =
        enclaive_projects(&draft("e", settings.clone()), Secret::new(ENCLAIVE_PASSWORD)).await.unwrap();
    let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["first-project", "dev-project"]);
    assert_eq!(projects[0].id, PROJECT_ID);
    let err = enclaive_projects(&draft("e", settings), Secret::new("wrong")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::AuthFailed);
}
