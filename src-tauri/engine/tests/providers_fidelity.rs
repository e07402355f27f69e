//! The answers of the real APIs in their documented shapes (docs/providers/*.md names each source), and
//! what VMDeck does with them: Hyperstack's paged lists, console job, hibernation, public IP and port
//! randomisation; Lunanode's key and region lists, security groups and scripts at create, nonce order;
//! enclaive's create after an expired session.
mod common;

use common::*;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use vmdeck_engine::model::ConsoleTarget;
use vmdeck_engine::model::{CreateRequest, PowerAction, VmState};
use vmdeck_engine::providers::hyperstack::ConsolePolling;
use vmdeck_engine::providers::Provider;
use vmdeck_engine::ErrorCode;
use vmdeck_fakes::credentials::*;
use vmdeck_fakes::{Fault, FaultRule};

fn hyperstack_request(name: &str) -> CreateRequest {
    CreateRequest {
        name: name.into(),
        count: 1,
        region: Some("test1".into()),
        image: Some("Ubuntu Server 22.04 LTS R535 CUDA 12.2".into()),
        flavor: Some("n3-A100x1".into()),
        key_pair: Some("example-key".into()),
        assign_public_ip: true,
        ..Default::default()
    }
}

#[tokio::test]
async fn hyperstack_lists_every_page_of_vms() {
    let cloud = cloud().await;
    assert!(cloud.hyperstack.shared.seed(130));
    let provider = hyperstack(&cloud, HYPERSTACK_API_KEY);
    let vms = provider.list_vms().await.unwrap();
    assert_eq!(vms.len(), 130, "every page, though the fake caps a page at 50");
    let mut ids: Vec<&str> = vms.iter().map(|v| v.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 130, "no page read twice");
    let pages = cloud.hyperstack.shared.count("GET", "/v1/core/virtual-machines");
    assert_eq!(pages, 3, "50 + 50 + 30, and no request after the short page");
    // The catalog's paged lists are read the same way.
    let catalog = provider.catalog().await.unwrap();
    assert!(!catalog.regions.is_empty() && !catalog.images.is_empty() && !catalog.key_pairs.is_empty());
}

#[tokio::test]
async fn hyperstack_console_waits_for_the_job_and_reads_the_documented_object() {
    let cloud = cloud().await;
    let provider = hyperstack(&cloud, HYPERSTACK_API_KEY).with_console_polling(ConsolePolling {
        every: Duration::from_millis(30),
        deadline: Duration::from_secs(3),
    });
    let vm = provider.create(&hyperstack_request("console")).await.unwrap().remove(0);
    wait_for(&provider, &vm.id, VmState::Running).await;
    let target = provider.console(&vm.id).await.unwrap();
    let ConsoleTarget::Url { url } = target else { panic!("a URL") };
    assert!(url.starts_with("https://console.example.invalid/"), "{url}");
    let followups =
        cloud.hyperstack.shared.requests().iter().filter(|r| r.path.contains("/console/")).count();
    assert!(followups >= 2, "the follow-up answered 404 first and was asked again ({followups})");

    // A job that never finishes ends in a timeout that says so, bounded by the deadline.
    let slow = hyperstack(&cloud, HYPERSTACK_API_KEY).with_console_polling(ConsolePolling {
        every: Duration::from_millis(20),
        deadline: Duration::from_millis(200),
    });
    let followup = format!("/v1/core/virtual-machines/{}/console/", vm.id);
    cloud
        .hyperstack
        .shared
        .inject(FaultRule::new(&followup, Fault::Status { status: 404, retry_after_secs: None }));
    let err = slow.console(&vm.id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Timeout);
    assert!(err.message.contains("preparing the console"), "{}", err.message);
}

#[tokio::test]
async fn hyperstack_hibernates_and_restores_and_moves_public_ips() {
    let cloud = cloud().await;
    let provider = hyperstack(&cloud, HYPERSTACK_API_KEY);
    let vm = provider.create(&hyperstack_request("sleepy")).await.unwrap().remove(0);
    wait_for(&provider, &vm.id, VmState::Running).await;
    provider.power(&vm.id, PowerAction::Hibernate).await.unwrap();
    assert_eq!(provider.get_vm(&vm.id).await.unwrap().raw_state, "HIBERNATING");
    let asleep = wait_for(&provider, &vm.id, VmState::Hibernated).await;
    assert_eq!(asleep.raw_state, "HIBERNATED");
    assert!(
        provider.power(&vm.id, PowerAction::Start).await.is_err(),
        "Start is not how a hibernated VM wakes"
    );
    provider.power(&vm.id, PowerAction::Restore).await.unwrap();
    assert_eq!(provider.get_vm(&vm.id).await.unwrap().state, VmState::Restoring);
    wait_for(&provider, &vm.id, VmState::Running).await;

    assert!(provider.get_vm(&vm.id).await.unwrap().public_address().is_some());
    provider.set_public_ip(&vm.id, false).await.unwrap();
    assert!(provider.get_vm(&vm.id).await.unwrap().public_address().is_none());
    provider.set_public_ip(&vm.id, true).await.unwrap();
    assert!(provider.get_vm(&vm.id).await.unwrap().public_address().is_some());
    assert_eq!(
        cloud
            .hyperstack
            .shared
            .count("POST", &format!("/v1/core/virtual-machines/{}/attach-floatingip", vm.id)),
        1
    );
}

#[tokio::test]
async fn hyperstack_port_randomisation_is_sent_explicitly_and_never_hides_behind_port_22() {
    let cloud = cloud().await;
    let provider = hyperstack(&cloud, HYPERSTACK_API_KEY);
    let off = provider.create_call(&hyperstack_request("plain")).unwrap();
    assert_eq!(off.body["enable_port_randomization"], json!(false), "the API's default is true: say false");
    let vm = provider.create(&hyperstack_request("plain")).await.unwrap().remove(0);
    assert_eq!(wait_for(&provider, &vm.id, VmState::Running).await.ssh_port, Some(22));

    let randomised = CreateRequest { port_randomization: true, ..hyperstack_request("shuffled") };
    assert_eq!(provider.create_call(&randomised).unwrap().body["enable_port_randomization"], json!(true));
    let vm = provider.create(&randomised).await.unwrap().remove(0);
    let vm = wait_for(&provider, &vm.id, VmState::Running).await;
    assert_eq!(vm.extra["port_randomization"], json!(true));
    assert_eq!(vm.ssh_port, None, "no documented field names the mapped port: the SSH dialog must ask");
    let target = vmdeck_engine::targets::ssh_target(&vm, None);
    assert!(target.port_note.as_deref().unwrap_or_default().contains("randomis"), "{target:?}");
}

#[tokio::test]
async fn lunanode_reads_the_key_list_its_own_client_reads_and_keeps_nonces_in_order() {
    let cloud = cloud().await;
    let provider = Arc::new(lunanode(&cloud, LUNANODE_API_KEY));
    let catalog = provider.catalog().await.unwrap();
    assert_eq!(catalog.key_pairs.len(), 1, "top-level {{id, value}} entries are key pairs");
    assert_eq!(
        (catalog.key_pairs[0].id.as_str(), catalog.key_pairs[0].name.as_str()),
        ("231", "vmdeck@test")
    );
    assert_eq!(catalog.regions.len(), 3);
    assert_eq!(catalog.security_groups[0].name, "default");

    cloud.lunanode.state.nonces.lock().unwrap().clear();
    let calls: Vec<_> = (0..12)
        .map(|i| {
            let provider = provider.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    provider.list_vms().await.map(drop)
                } else {
                    provider.catalog().await.map(drop)
                }
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let nonces = cloud.lunanode.state.nonces.lock().unwrap().clone();
    assert_eq!(nonces.len(), 6 + 6 * 5);
    assert!(nonces.windows(2).all(|w| w[0] < w[1]), "nonces in arrival order must grow: {nonces:?}");
}

#[tokio::test]
async fn lunanode_creates_a_security_group_from_the_rules_and_a_startup_script() {
    let cloud = cloud().await;
    let provider = lunanode(&cloud, LUNANODE_API_KEY);
    let rule = ssh_from_doc_address();
    let request = CreateRequest {
        name: "guarded".into(),
        count: 1,
        flavor: Some("m.2".into()),
        image: Some("94953".into()),
        region: Some("toronto".into()),
        security_groups: vec!["4".into()],
        security_rules: vec![rule],
        user_data: Some("#cloud-config\npackages: [htop]\n".into()),
        ..Default::default()
    };
    let review = provider.create_call(&request).unwrap();
    assert!(review.body["securitygroups"].as_str().unwrap().starts_with("4,<new group vmdeck-guarded"));
    let vm = provider.create(&request).await.unwrap().remove(0);
    let info = provider.get_vm(&vm.id).await.unwrap().extra;
    let group_ids = info["info"]["security_group_ids"].as_array().unwrap().clone();
    assert_eq!(group_ids.len(), 2, "the picked group and the new one: {group_ids:?}");
    assert_eq!(info["info"]["security_groups"][1], json!("vmdeck-guarded"));
    let groups = cloud.lunanode.state.groups.lock().unwrap().clone();
    let made = groups.iter().find(|g| g["name"] == json!("vmdeck-guarded")).unwrap();
    let rule = &made["rules"][0];
    assert_eq!(
        (rule["direction"].as_str(), rule["remote_value"].as_str(), rule["port_min"].as_str()),
        (Some("ingress"), Some("203.0.113.7/32"), Some("22"))
    );
    let scripts = cloud.lunanode.state.scripts.lock().unwrap().clone();
    assert!(scripts[0]["content"].as_str().unwrap().contains("htop"));

    // A refused vm/create leaves neither a group nor a script behind.
    cloud.lunanode.shared.inject(
        FaultRule::new("/api/vm/create/", Fault::Status { status: 503, retry_after_secs: None }).times(1),
    );
    let again = CreateRequest { name: "refused".into(), ..request };
    assert!(provider.create(&again).await.is_err());
    assert!(!cloud
        .lunanode
        .state
        .groups
        .lock()
        .unwrap()
        .iter()
        .any(|g| g["name"] == json!("vmdeck-refused")));
    assert_eq!(cloud.lunanode.state.scripts.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_enclaive_create_is_not_sent_again_after_an_expired_session() {
    let cloud = cloud().await;
    let provider = enclaive(&cloud, ENCLAIVE_PASSWORD);
    let source = provider.get_vm("654a11e60b23ef1b0f36d44e").await.unwrap();
    let request = CreateRequest { name: "once".into(), ..provider.clone_request(&source) };
    cloud.enclaive.shared.inject(
        FaultRule::new("/api/virtual-machines", Fault::Status { status: 401, retry_after_secs: None })
            .method("POST")
            .times(1),
    );
    let err = provider.create(&request).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::AuthFailed);
    assert!(err.message.contains("did not send this again"), "{}", err.message);
    assert_eq!(cloud.enclaive.shared.count("POST", "/api/virtual-machines"), 1, "sent exactly once");
    // The next read signs in anew and works.
    provider.list_vms().await.unwrap();
    assert_eq!(cloud.enclaive.shared.count("POST", "/api/login"), 2);
}
