//! The app's Vault settings service against a real OpenBao server: only a working connection is saved,
//! an account's own Vault, the secret asked again when where it goes changes, and enclaive's issued token.
mod common;
#[path = "common/openbao.rs"]
mod openbao;

use openbao::{config, enclaive_layout, OpenBao, ROOT_TOKEN};
use std::sync::Arc;
use vmdeck_engine::accounts::{JsonSettings, MemorySecrets, MemorySettings};
use vmdeck_engine::vault::{KvVersion, VaultAuth, VaultConfig, VaultScope, VaultService};
use vmdeck_engine::{ErrorCode, Secret};
use vmdeck_fakes::enclaive::{TEAM_ID, VAULT_TOKEN as ENCLAIVE_TEAM_TOKEN};

mod service {
    use super::*;

    #[tokio::test]
    async fn only_a_working_connection_is_saved_and_tests_name_fields_not_values() {
        let bao = OpenBao::start().await;
        enclaive_layout(&bao).await;
        let settings = Arc::new(MemorySettings::default());
        let secrets = Arc::new(MemorySecrets::default());
        let service = VaultService::new(settings.clone(), secrets.clone());

        let wrong =
            service.save(config(&bao.url, VaultAuth::Token), Some(Secret::new("s.wrong"))).await.unwrap_err();
        assert_eq!(wrong.code, ErrorCode::AuthFailed);
        assert!(settings.get("vault").unwrap().is_none() && secrets.ids().is_empty(), "nothing saved");

        let status =
            service.save(config(&bao.url, VaultAuth::Token), Some(Secret::new(ROOT_TOKEN))).await.unwrap();
        assert!(status.policies.contains(&"root".to_owned()));
        assert_eq!(secrets.ids(), ["global"]);
        let saved = serde_json::to_string(&settings.get("vault").unwrap()).unwrap();
        assert!(!saved.contains(&format!("\"{ROOT_TOKEN}\"")), "{saved}");

        let fields = service.test_read(&format!("enclaive-static/data/{TEAM_ID}/user/root")).await.unwrap();
        assert_eq!(fields, ["password", "username"]);
        let overview = service.overview().await.unwrap();
        assert!(overview.status.is_some() && overview.has_secret && !overview.from_environment);

        service.forget().await.unwrap();
        assert!(secrets.ids().is_empty());
        assert!(settings.get("vault").unwrap().is_none());
    }

    #[tokio::test]
    async fn an_account_with_its_own_vault_uses_it_and_others_use_the_apps() {
        let bao = OpenBao::start().await;
        enclaive_layout(&bao).await;
        let settings = Arc::new(MemorySettings::default());
        let secrets = Arc::new(MemorySecrets::default());
        let service = VaultService::new(settings.clone(), secrets.clone());
        service.save(config(&bao.url, VaultAuth::Token), Some(Secret::new(ROOT_TOKEN))).await.unwrap();

        let team = VaultScope::Account("acct-enclaive".into());
        let path = format!("enclaive-static/data/{TEAM_ID}/user/root");
        let none = service.overview_in(&team).await.unwrap();
        assert!(none.config.is_none() && !none.has_secret, "no settings of its own yet");
        let status = service
            .save_in(&team, config(&bao.url, VaultAuth::Token), Some(Secret::new(ENCLAIVE_TEAM_TOKEN)))
            .await
            .unwrap();
        assert!(status.policies.contains(&"enclaive-team".to_owned()), "{:?}", status.policies);
        assert_eq!(secrets.ids(), ["account:acct-enclaive", "global"]);
        assert_eq!(
            service.test_read_for(Some("acct-enclaive"), None, &path).await.unwrap(),
            ["password", "username"]
        );
        let app = service.connection_for(Some("acct-other")).await.unwrap().status().await.unwrap();
        assert!(app.policies.contains(&"root".to_owned()), "an account without its own uses the app's");

        // A settings write that fails takes the new secret back: nothing orphaned in the keychain.
        let lab = VaultScope::Account("acct-lab".into());
        settings.fail_writes(true);
        assert!(service
            .save_in(&lab, config(&bao.url, VaultAuth::Token), Some(Secret::new(ROOT_TOKEN)))
            .await
            .is_err());
        settings.fail_writes(false);
        assert_eq!(secrets.ids(), ["account:acct-enclaive", "global"]);

        service.forget_in(&team).await.unwrap();
        assert_eq!(secrets.ids(), ["global"]);
        assert!(settings.get("vault_account:acct-enclaive").unwrap().is_none());
    }
}

mod trust {
    //! The stored Vault secret goes only where the user confirmed it (issue 14).
    use super::*;

    #[tokio::test]
    async fn a_changed_address_namespace_or_sign_in_needs_the_secret_again_and_the_mapping_does_not() {
        let bao = OpenBao::start().await;
        let settings = Arc::new(MemorySettings::default());
        let service = VaultService::new(settings.clone(), Arc::new(MemorySecrets::default()));
        service.save(config(&bao.url, VaultAuth::Token), Some(Secret::new(ROOT_TOKEN))).await.unwrap();

        // The same server under another name is another place as far as the token knows.
        let renamed = config(&bao.url.replace("127.0.0.1", "localhost"), VaultAuth::Token);
        let mut namespaced = config(&bao.url, VaultAuth::Token);
        namespaced.namespace = Some("team-a".into());
        let mut unchecked = config(&bao.url, VaultAuth::Token);
        unchecked.skip_verify = true;
        let userpass =
            config(&bao.url, VaultAuth::Userpass { username: "root".into(), mount: "userpass".into() });
        for changed in [renamed.clone(), namespaced, unchecked, userpass] {
            let err = service.save(changed.clone(), None).await.unwrap_err();
            assert_eq!(err.details.as_ref().unwrap()["field"], "secret", "{changed:?}: {err:?}");
        }
        let kept = serde_json::from_value::<VaultConfig>(settings.get("vault").unwrap().unwrap()).unwrap();
        assert_eq!(kept.address, bao.url, "nothing saved by a refused change");

        // Typed again, the move is saved; the field mapping and KV version change without it.
        service.save(renamed.clone(), Some(Secret::new(ROOT_TOKEN))).await.unwrap();
        let mut remapped = renamed.clone();
        remapped.kv_version = KvVersion::V2;
        remapped.fields.password = vec!["secret_word".into()];
        service.save(remapped, None).await.unwrap();
    }

    #[test]
    fn plain_http_is_only_for_a_vault_on_this_computer() {
        for ok in [
            "http://127.0.0.1:8200",
            "http://localhost:8200",
            "http://[::1]:8200",
            "https://vault.example:8200",
        ] {
            assert!(config(ok, VaultAuth::Token).validate().is_ok(), "{ok}");
        }
        let err = config("http://vault.example:8200", VaultAuth::Token).validate().unwrap_err();
        assert_eq!(err.details.unwrap()["field"], "address");
    }
}

mod issued {
    //! enclaive's login answer carries a `vaultToken`: with the team's Vault address on the account, that
    //! token reads the VMs' root logins with no Vault set up in VMDeck.
    use super::*;
    use vmdeck_engine::providers::enclaive::{Enclaive, EnclaiveAuth, EnclaiveScope};
    use vmdeck_fakes::credentials::ENCLAIVE_PASSWORD;
    use vmdeck_fakes::enclaive::PROJECT_ID;

    fn service() -> (VaultService, Arc<MemorySettings>, Arc<MemorySecrets>) {
        let settings = Arc::new(MemorySettings::default());
        let secrets = Arc::new(MemorySecrets::default());
        (VaultService::new(settings.clone(), secrets.clone()), settings, secrets)
    }

    #[tokio::test]
    async fn the_enclaive_login_token_reads_the_root_login_from_the_teams_vault() {
        let bao = OpenBao::start().await;
        enclaive_layout(&bao).await;
        let cloud = common::cloud().await;
        let (service, _, secrets) = service();
        let enclaive = common::enclaive(&cloud, ENCLAIVE_PASSWORD).with_vault(Some(bao.url.clone()));
        let path = format!("enclaive-static/data/{TEAM_ID}/user/root");

        let vault = service.connection_for_account(Some("acct-e"), Some(&enclaive)).await.unwrap();
        let creds = vault.credentials_at(&path).await.unwrap();
        assert_eq!(creds.password.unwrap().expose(), "Sup3r-Secret!");
        assert!(vault.status().await.unwrap().policies.contains(&"enclaive-team".to_owned()));
        assert_eq!(cloud.enclaive.shared.count("POST", "/api/login"), 1);
        assert!(secrets.ids().is_empty(), "an issued token is never stored");
        // The same token again: the same connection, no new sign-in anywhere.
        let again = service.connection_for_account(Some("acct-e"), Some(&enclaive)).await.unwrap();
        assert!(Arc::ptr_eq(&vault, &again));
        assert_eq!(cloud.enclaive.shared.count("POST", "/api/login"), 1);
        assert_eq!(
            service.test_read_for(Some("acct-e"), Some(&enclaive), &path).await.unwrap(),
            ["password", "username"]
        );
    }

    #[tokio::test]
    async fn the_accounts_own_vault_comes_first_and_without_an_address_the_apps_is_used() {
        let bao = OpenBao::start().await;
        enclaive_layout(&bao).await;
        let cloud = common::cloud().await;
        let (service, _, _) = service();
        let no_address = common::enclaive(&cloud, ENCLAIVE_PASSWORD);
        let err = service.connection_for_account(Some("acct-e"), Some(&no_address)).await.err().unwrap();
        assert_eq!(err.code, ErrorCode::NotFound, "no Vault anywhere: {err:?}");
        assert_eq!(cloud.enclaive.shared.count("POST", "/api/login"), 0, "no sign-in without an address");

        service.save(config(&bao.url, VaultAuth::Token), Some(Secret::new(ROOT_TOKEN))).await.unwrap();
        let app = service.connection_for_account(Some("acct-e"), Some(&no_address)).await.unwrap();
        assert!(app.status().await.unwrap().policies.contains(&"root".to_owned()));

        // Saved settings of its own win over the issued token.
        let team_only = bao.token(None, &["enclaive-team"], "1h").await;
        let scope = VaultScope::Account("acct-e".into());
        service
            .save_in(&scope, config(&bao.url, VaultAuth::Token), Some(Secret::new(team_only)))
            .await
            .unwrap();
        let with_address = common::enclaive(&cloud, ENCLAIVE_PASSWORD).with_vault(Some(bao.url.clone()));
        let own = service.connection_for_account(Some("acct-e"), Some(&with_address)).await.unwrap();
        assert_eq!(own.status().await.unwrap().display_name, "token");
        assert_eq!(cloud.enclaive.shared.count("POST", "/api/login"), 0);
    }

    #[tokio::test]
    async fn a_pasted_enclaive_token_has_no_vault_token_and_says_how_to_get_one() {
        let cloud = common::cloud().await;
        let (service, _, _) = service();
        let scope = EnclaiveScope { team_id: TEAM_ID.into(), project_id: PROJECT_ID.into() };
        let pasted = Enclaive::with_http(
            &cloud.enclaive.url(),
            scope,
            EnclaiveAuth::Token(Secret::new("userToken")),
            common::http(
                vmdeck_engine::model::ProviderKind::Enclaive,
                vmdeck_engine::providers::http::json_message,
            ),
        )
        .with_vault(Some("https://vault.example".into()));
        let err = service.connection_for_account(Some("acct-e"), Some(&pasted)).await.err().unwrap();
        assert_eq!(err.code, ErrorCode::AuthFailed, "{err:?}");
        assert!(err.message.contains("email and password"), "{}", err.message);
    }
}
