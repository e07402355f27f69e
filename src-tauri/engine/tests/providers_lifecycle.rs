//! Every operation of every backend against its fake: catalog, list, get, create, power, delete, console.
mod common;

use common::*;
use serde_json::json;
use vmdeck_engine::model::*;
use vmdeck_engine::providers::Provider;
use vmdeck_fakes::credentials::*;
use vmdeck_fakes::fixture;

#[tokio::test]
async fn hyperstack_catalog_create_power_console_delete() {
    let cloud = cloud().await;
    let provider = hyperstack(&cloud, HYPERSTACK_API_KEY);
    let catalog = provider.catalog().await.unwrap();
    assert_eq!(
        catalog.regions.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["example-environment", "test1"]
    );
    let a100 = catalog.flavors.iter().find(|f| f.name == "n3-A100x1").unwrap();
    assert_eq!(
        (a100.vcpu, a100.ram_gb, a100.gpu.as_deref(), a100.gpu_count),
        (Some(28), Some(120.0), Some("A100-80G-PCIe"), 1)
    );
    // Priced from the pricebook by its GPU model; the CPU flavor's model is not in it.
    assert_eq!(a100.price.as_ref().and_then(|p| p.per_hour), Some(vmdeck_fakes::hyperstack::A100_PER_HOUR));
    let cpu = catalog.flavors.iter().find(|f| f.name == "n1-cpu-small").unwrap();
    assert_eq!(cpu.price, None);
    assert!(catalog.rule_protocols.contains(&"tcp".to_owned()));
    assert_eq!(catalog.key_pairs[0].name, "example-key");

    let documented = fixture("hyperstack/create-vm-request.json");
    let request = CreateRequest {
        name: "example-vm".into(),
        count: 2,
        region: Some("test1".into()),
        image: documented["image_name"].as_str().map(str::to_owned),
        // The wizard sends the catalog's ids: they must be what the create call names.
        flavor: Some(a100.id.clone()),
        key_pair: Some("example-key".into()),
        assign_public_ip: true,
        security_rules: vec![ssh_from_doc_address()],
        user_data: Some("#cloud-config\n".into()),
        labels: vec!["team-a".into()],
        provider_options: None,
        port_randomization: false,
        security_groups: Vec::new(),
    };
    let created = provider.create(&request).await.unwrap();
    assert_eq!(created.len(), 2);
    assert_eq!(created[0].state, VmState::Creating);
    assert_eq!(created[0].raw_state, "CREATING");
    assert_eq!(cloud.hyperstack.shared.count("POST", "/v1/core/virtual-machines"), 1);
    let id = created[0].id.clone();

    let running = wait_for(&provider, &id, VmState::Running).await;
    assert!(running.public_address().is_some(), "a floating IP was asked for");
    assert_eq!(running.extra["security_rules"][0]["port_range_min"], json!(22));
    assert_eq!(running.security_rules, request.security_rules, "the VM's rules, normalised");
    let cloned = provider.clone_request(&running);
    assert_eq!(
        (cloned.region, cloned.flavor, cloned.key_pair, cloned.assign_public_ip),
        (request.region.clone(), request.flavor.clone(), request.key_pair.clone(), true)
    );
    assert_eq!(cloned.security_rules, request.security_rules, "the rules come back as they were sent");
    provider.power(&id, PowerAction::Stop).await.unwrap();
    wait_for(&provider, &id, VmState::Stopped).await;
    provider.power(&id, PowerAction::Start).await.unwrap();
    wait_for(&provider, &id, VmState::Running).await;
    provider.power(&id, PowerAction::Reboot).await.unwrap();
    assert_eq!(provider.get_vm(&id).await.unwrap().state, VmState::Rebooting);
    wait_for(&provider, &id, VmState::Running).await;
    let ConsoleTarget::Url { url } = provider.console(&id).await.unwrap() else { panic!("a URL console") };
    assert!(url.starts_with("https://"));
    provider.delete(&id).await.unwrap();
    tokio::time::sleep(STEP * 2).await;
    let err = provider.get_vm(&id).await.unwrap_err();
    assert_eq!(err.code, vmdeck_engine::ErrorCode::NotFound);
    assert_eq!(provider.list_vms().await.unwrap().len(), 1, "the other VM of the pair is still there");
}

#[tokio::test]
async fn enclaive_lists_the_documented_vm_and_clones_it() {
    let cloud = cloud().await;
    let provider = enclaive(&cloud, ENCLAIVE_PASSWORD);
    let vms = provider.list_vms().await.unwrap();
    assert_eq!(vms.len(), 1);
    let vm = &vms[0];
    assert_eq!(vm.name, "kraud-cloud-ubuntu-1vcpu-4gb-berlin-01");
    assert_eq!(vm.state, VmState::Running);
    assert_eq!(vm.public_address().unwrap().ip, "185.112.181.100");
    assert_eq!(vm.region.as_deref(), Some("Berlin"));
    assert_eq!(vm.image.as_deref(), Some("Ubuntu 20.04 LTS"));
    let flavor = vm.flavor.as_ref().unwrap();
    assert_eq!((flavor.vcpu, flavor.ram_gb, flavor.disk_gb), (Some(1), Some(4.0), Some(50.0)));
    let price = flavor.price.as_ref().unwrap();
    assert_eq!(
        (price.per_hour, price.per_month, price.currency.as_deref()),
        (Some(0.04), Some(30.0), Some("EUR"))
    );
    assert_eq!(
        provider.projects().await.unwrap()[0],
        ("6548a41f38406c14db33b62c".into(), "first-project".into())
    );

    // "Clone" of the documented VM record yields the ids and objects of the documented create request.
    let documented = fixture("enclaive/create-vm-request.json");
    let source = provider.get_vm("654a11e60b23ef1b0f36d44e").await.unwrap();
    let request = CreateRequest { name: "clone".into(), ..provider.clone_request(&source) };
    let options = request.provider_options.clone().unwrap();
    for field in ["cloudProvider", "provider", "size", "price", "region", "image", "authMethod"] {
        assert_eq!(options[field], documented[field], "{field}");
    }
    let call = provider.create_call(&request).unwrap();
    assert_eq!((call.method.as_str(), call.path.as_str()), ("POST", "/api/virtual-machines"));
    assert_eq!(call.body["hostNames"], json!(["clone"]));
    let created = provider.create(&request).await.unwrap();
    assert_eq!(created[0].state, VmState::Creating);
    let id = created[0].id.clone();
    wait_for(&provider, &id, VmState::Running).await;
    provider.power(&id, PowerAction::Stop).await.unwrap();
    assert_eq!(
        provider.get_vm(&id).await.unwrap().raw_state,
        "status 4",
        "shown as the provider's raw value"
    );
    let reboot = provider.power(&id, PowerAction::Reboot).await.unwrap_err();
    assert_eq!(reboot.code, vmdeck_engine::ErrorCode::Unsupported);
    provider.delete(&id).await.unwrap();
    assert_eq!(provider.vault_token().await.unwrap().unwrap().expose(), "teamToken");
}

#[tokio::test]
async fn enclaive_create_without_a_cloned_configuration_is_refused_before_sending() {
    let cloud = cloud().await;
    let provider = enclaive(&cloud, ENCLAIVE_PASSWORD);
    let err = provider
        .create(&CreateRequest { name: "x".into(), count: 1, ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(err.code, vmdeck_engine::ErrorCode::InvalidInput);
    assert_eq!(cloud.enclaive.shared.count("POST", "/api/virtual-machines"), 0);
}

#[tokio::test]
async fn lunanode_signs_every_call_and_runs_the_documented_vm() {
    let cloud = cloud().await;
    let provider = lunanode(&cloud, LUNANODE_API_KEY);
    let vm = provider.get_vm("16b64847-0a86-42ea-bea8-ed60bd960c68").await.unwrap();
    assert_eq!(vm.state, VmState::Running);
    assert_eq!(vm.image.as_deref(), Some("Ubuntu 18.04 64-bit (template)"));
    assert_eq!(vm.addresses.iter().filter(|a| a.public).count(), 2, "IPv6 and IPv4 external addresses");
    assert_eq!(vm.public_address().unwrap().ip, "172.81.176.21");
    assert_eq!(
        vm.extra["info"]["login_details"],
        json!("username: ubuntu; password: (hidden by VMDeck)"),
        "no password in the record"
    );
    let (user, password) = provider.login_details(&vm.id).await.unwrap().unwrap();
    assert_eq!((user.as_str(), password.expose()), ("ubuntu", "QixaTUKqP1IvxBeG"));
    let dynamic: &dyn Provider = &provider;
    assert_eq!(
        dynamic.login_password(&vm.id).await.unwrap().unwrap().1.expose(),
        "QixaTUKqP1IvxBeG",
        "through the trait"
    );
    let other = hyperstack(&cloud, HYPERSTACK_API_KEY);
    assert!(other.login_password("2786").await.unwrap().is_none(), "only Lunanode reports passwords");
    let target = vmdeck_engine::targets::ssh_target(&vm, None);
    assert_eq!((target.host.as_str(), target.user.as_str()), ("172.81.176.21", "ubuntu"));
    assert_eq!(target.credentials, vmdeck_engine::targets::CredentialSource::ProviderPassword);

    let catalog = provider.catalog().await.unwrap();
    assert_eq!(catalog.regions.len(), 3);
    let m4 = catalog.flavors.iter().find(|f| f.name == "m.4").unwrap();
    assert_eq!((m4.vcpu, m4.ram_gb), (Some(4), Some(4.0)));
    assert_eq!(m4.price.as_ref().unwrap().as_given.as_deref(), Some("0.0208"));

    let request = CreateRequest {
        name: "myvm".into(),
        count: 1,
        flavor: Some("m.4".into()),
        image: Some("94953".into()),
        region: Some("toronto".into()),
        ..Default::default()
    };
    let id = provider.create(&request).await.unwrap()[0].id.clone();
    wait_for(&provider, &id, VmState::Running).await;
    provider.power(&id, PowerAction::Stop).await.unwrap();
    wait_for(&provider, &id, VmState::Stopped).await;
    let ConsoleTarget::Url { url } = provider.console(&id).await.unwrap() else { panic!() };
    assert!(url.contains("vnc"));
    provider.delete(&id).await.unwrap();
    let two = provider.create(&CreateRequest { count: 2, ..request }).await.unwrap_err();
    assert_eq!(two.code, vmdeck_engine::ErrorCode::InvalidInput);
}

#[tokio::test]
async fn cloudvm_runs_the_readme_flow() {
    let cloud = cloud().await;
    let provider = cloudvm(&cloud, CLOUDVM_SECRET);
    assert_eq!(provider.catalog().await.unwrap().flavors.len(), 2);
    let request = CreateRequest {
        name: "test1".into(),
        count: 1,
        flavor: Some("medium-debian".into()),
        user_data: Some("#cloud-config\nusers:\n- name: dev\n".into()),
        ..Default::default()
    };
    let created = provider.create(&request).await.unwrap();
    assert_eq!((created[0].state, created[0].raw_state.as_str()), (VmState::Creating, "deploying"));
    let id = created[0].id.clone();
    wait_for(&provider, &id, VmState::Running).await;
    provider.power(&id, PowerAction::Stop).await.unwrap();
    let stopped = wait_for(&provider, &id, VmState::Stopped).await;
    assert_eq!(stopped.raw_state, "ready");
    assert_eq!(
        provider.power(&id, PowerAction::Reboot).await.unwrap_err().code,
        vmdeck_engine::ErrorCode::Unsupported
    );
    provider.delete(&id).await.unwrap();
    tokio::time::sleep(STEP * 2).await;
    assert_eq!(provider.get_vm(&id).await.unwrap_err().code, vmdeck_engine::ErrorCode::NotFound);
}

#[tokio::test]
async fn hyperstack_imports_a_public_key_and_creates_with_it() {
    let cloud = cloud().await;
    let provider = hyperstack(&cloud, HYPERSTACK_API_KEY);
    assert!(provider.capabilities().import_key);
    let public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIImported vmdeck@laptop";
    let missing_region = provider.import_key_pair("laptop", public_key, None).await.unwrap_err();
    assert_eq!(missing_region.code, vmdeck_engine::ErrorCode::InvalidInput);
    let key = provider.import_key_pair("laptop", public_key, Some("test1")).await.unwrap();
    assert_eq!((key.name.as_str(), key.region.as_deref()), ("laptop", Some("test1")));
    assert!(provider.catalog().await.unwrap().key_pairs.iter().any(|k| k.name == "laptop"));
    let again = provider.import_key_pair("laptop", public_key, Some("test1")).await.unwrap_err();
    assert_eq!(again.code, vmdeck_engine::ErrorCode::Conflict, "{again:?}");
    assert!(
        again.message.contains("Keypair laptop already exists"),
        "the provider's words: {}",
        again.message
    );
    assert_eq!(
        cloud.hyperstack.shared.count("POST", "/v1/core/keypairs"),
        2,
        "a refused import is not resent"
    );

    let request = CreateRequest {
        name: "with-uploaded-key".into(),
        count: 1,
        region: Some("test1".into()),
        image: fixture("hyperstack/create-vm-request.json")["image_name"].as_str().map(str::to_owned),
        flavor: Some("n3-A100x1".into()),
        key_pair: Some("laptop".into()),
        ..Default::default()
    };
    let created = provider.create(&request).await.unwrap();
    assert_eq!(created[0].extra["keypair"]["name"], "laptop");
}

#[tokio::test]
async fn lunanode_refuses_key_upload_as_unsupported() {
    let cloud = cloud().await;
    let lunanode = lunanode(&cloud, LUNANODE_API_KEY);
    let err = lunanode.import_key_pair("k", "ssh-ed25519 AAAA", None).await.unwrap_err();
    assert_eq!(err.code, vmdeck_engine::ErrorCode::Unsupported);
    assert!(!lunanode.capabilities().import_key);
}
