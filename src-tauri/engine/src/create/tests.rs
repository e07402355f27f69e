use super::*;
use crate::model::{Direction, Region};
use crate::providers::hyperstack::Hyperstack;
use crate::secret::Secret;

fn hyperstack() -> Hyperstack {
    Hyperstack::new("http://127.0.0.1:9", Secret::new("key")).unwrap()
}

fn catalog() -> Catalog {
    let flavor = |id: &str, disk: f64, ram: f64, available: bool| Flavor {
        id: id.into(),
        name: id.into(),
        region: Some("NORWAY-1".into()),
        vcpu: Some(4),
        ram_gb: Some(ram),
        disk_gb: Some(disk),
        gpu: None,
        gpu_count: 0,
        price: None,
        available,
    };
    Catalog {
        security_groups: Vec::new(),
        regions: vec![Region {
            id: "default-NORWAY-1".into(),
            name: "default".into(),
            area: Some("NORWAY-1".into()),
        }],
        images: vec![Image {
            id: "Ubuntu Server 22.04 LTS".into(),
            name: "Ubuntu Server 22.04 LTS".into(),
            distribution: None,
            version: None,
            region: Some("NORWAY-1".into()),
            min_disk_gb: Some(20.0),
            min_ram_gb: Some(2.0),
        }],
        flavors: vec![
            flavor("n3-tiny", 10.0, 4.0, true),
            flavor("n3-small", 50.0, 8.0, true),
            flavor("n3-gone", 50.0, 8.0, false),
        ],
        key_pairs: Vec::new(),
        rule_protocols: vec!["tcp".into(), "udp".into(), "icmp".into()],
    }
}

fn ready() -> CreateRequest {
    CreateRequest {
        name: "web-1".into(),
        count: 2,
        region: Some("default-NORWAY-1".into()),
        image: Some("Ubuntu Server 22.04 LTS".into()),
        flavor: Some("n3-small".into()),
        key_pair: Some("laptop".into()),
        assign_public_ip: true,
        security_rules: vec![ssh_from("203.0.113.7/32")],
        user_data: Some("#cloud-config\npackages:\n  - nginx\n".into()),
        ..CreateRequest::default()
    }
}

fn ssh_from(cidr: &str) -> SecurityRule {
    SecurityRule {
        direction: Direction::Ingress,
        protocol: "tcp".into(),
        ethertype: IpVersion::V4,
        cidr: cidr.into(),
        port_min: Some(22),
        port_max: Some(22),
    }
}

fn fields(check: &CreateCheck) -> Vec<&str> {
    check.problems.iter().map(|p| p.field.as_str()).collect()
}

#[test]
fn a_complete_request_passes_and_shows_the_body_that_create_sends() {
    let provider = hyperstack();
    let check = check(&provider, &catalog(), &ready());
    assert_eq!(check.problems, vec![]);
    let call = check.call.unwrap();
    assert_eq!((call.method.as_str(), call.path.as_str()), ("POST", "/core/virtual-machines"));
    assert_eq!(call.body["environment_name"], "default-NORWAY-1");
    assert_eq!(call.body["count"], 2);
    assert_eq!(call.body["security_rules"][0]["remote_ip_prefix"], "203.0.113.7/32");
    assert_eq!(call.body["security_rules"][0]["ethertype"], "IPv4");
    assert_eq!(call, provider.create_call(&ready()).unwrap(), "the preview is what create sends");
}

#[test]
fn a_flavor_smaller_than_the_image_is_named_with_the_reason() {
    let request = CreateRequest { flavor: Some("n3-tiny".into()), ..ready() };
    let check = check(&hyperstack(), &catalog(), &request);
    assert_eq!(check.unfit_flavors.keys().collect::<Vec<_>>(), vec!["n3-tiny"]);
    assert!(check.unfit_flavors["n3-tiny"].contains("needs 20 GB of disk"), "{:?}", check.unfit_flavors);
    assert_eq!(fields(&check), vec!["flavor"]);
    assert!(check.call.is_none(), "nothing is prepared while a problem remains");
    let gone = check_of(CreateRequest { flavor: Some("n3-gone".into()), ..ready() });
    assert_eq!(gone.problems[0].message, "n3-gone is out of stock.");
}

fn check_of(request: CreateRequest) -> CreateCheck {
    check(&hyperstack(), &catalog(), &request)
}

#[test]
fn names_follow_the_host_name_rules_and_the_backend_length() {
    let caps = hyperstack().capabilities();
    assert_eq!(name_problem("", 1, &caps).unwrap(), "A name is required.");
    assert_eq!(name_problem(&"a".repeat(51), 1, &caps).unwrap(), "At most 50 characters (this one has 51).");
    assert!(name_problem(&"a".repeat(50), 1, &caps).is_none());
    assert!(name_problem("web_1", 1, &caps).unwrap().contains("“_”"));
    assert_eq!(name_problem("1web", 1, &caps).unwrap(), "Start with a letter.");
    assert_eq!(name_problem("web-", 1, &caps).unwrap(), "Do not end with a hyphen.");
    // enclaive appends "-01"… to counted names, so three characters are kept free.
    let clone_only = Capabilities { clone_only: true, max_name_len: 10, ..caps };
    assert!(name_problem("abcdefghij", 1, &clone_only).is_none());
    assert_eq!(
        name_problem("abcdefghij", 2, &clone_only).unwrap(),
        "At most 7 characters (this one has 10)."
    );
}

#[test]
fn count_region_image_flavor_and_key_are_required_where_the_backend_needs_them() {
    let request = CreateRequest { name: "web".into(), count: 21, ..CreateRequest::default() };
    let check = check_of(request);
    assert_eq!(fields(&check), vec!["count", "region", "image", "flavor", "key_pair"]);
    assert_eq!(check.problems[0].message, "Between 1 and 20 VMs per create.");
    let elsewhere = check_of(CreateRequest { region: Some("mars".into()), ..ready() });
    assert_eq!(elsewhere.problems[0].message, "mars is not a location of this account.");
}

#[test]
fn rules_are_checked_for_cidr_family_protocol_and_ports() {
    let protocols = catalog().rule_protocols;
    let check = |rule: SecurityRule| rule_problem(&rule, &protocols);
    assert_eq!(check(ssh_from("0.0.0.0/0")), None);
    assert_eq!(
        check(ssh_from("203.0.113.7")).unwrap(),
        "“203.0.113.7” is not a CIDR range such as 203.0.113.7/32."
    );
    assert_eq!(check(ssh_from("203.0.113.300/32")).unwrap(), "“203.0.113.300” is not an IP address.");
    assert_eq!(check(ssh_from("203.0.113.7/33")).unwrap(), "The prefix length must be 0–32.");
    assert_eq!(
        check(ssh_from("2001:db8::/32")).unwrap(),
        "The range's address family does not match the ethertype."
    );
    assert_eq!(check(SecurityRule { ethertype: IpVersion::V6, ..ssh_from("2001:db8::/128") }), None);
    assert_eq!(
        check(SecurityRule { port_min: Some(8080), port_max: Some(80), ..ssh_from("0.0.0.0/0") }).unwrap(),
        "The first port must not be above the last."
    );
    assert_eq!(
        check(SecurityRule { port_min: Some(0), ..ssh_from("0.0.0.0/0") }).unwrap(),
        "Ports are 1–65535."
    );
    assert_eq!(
        check(SecurityRule { protocol: "icmp".into(), ..ssh_from("0.0.0.0/0") }).unwrap(),
        "Ports apply to TCP and UDP only."
    );
    assert_eq!(
        check(SecurityRule { protocol: "sctp".into(), ..ssh_from("0.0.0.0/0") }).unwrap(),
        "Protocol “sctp” is not offered here."
    );
    let numbered =
        check_of(CreateRequest { security_rules: vec![ssh_from("0.0.0.0/0"), ssh_from("nope")], ..ready() });
    assert_eq!(fields(&numbered), vec!["security_rules.1"]);
}

#[test]
fn user_data_must_be_yaml_or_a_script_within_the_limit() {
    let caps = hyperstack().capabilities();
    assert_eq!(user_data_problem("#cloud-config\nruncmd:\n  - [ls, /]\n", &caps), None);
    assert_eq!(user_data_problem("#!/bin/sh\necho hi\n", &caps), None);
    let broken = user_data_problem("#cloud-config\npackages: [nginx\n", &caps).unwrap();
    assert!(broken.starts_with("Not valid YAML at line"), "{broken}");
    assert_eq!(
        user_data_problem("packages: [nginx]", &caps).unwrap(),
        "Start with “#cloud-config” (YAML) or “#!” (a script)."
    );
    let huge = format!("#!/bin/sh\n{}", "x".repeat(70_000));
    assert_eq!(user_data_problem(&huge, &caps).unwrap(), "70010 bytes; the limit is 65535 bytes.");
    // A billion laughs (9 levels of 9 aliases) is refused before it is loaded, and fast.
    let mut bomb = String::from("#cloud-config\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        bomb.push_str(&format!("l{i}: &l{i} [{}]\n", vec![format!("*l{}", i - 1); 9].join(", ")));
    }
    let started = std::time::Instant::now();
    let refused = user_data_problem(&bomb, &caps).unwrap();
    assert!(refused.contains("aliases expand"), "{refused}");
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
    let some_aliases = "#cloud-config\ndefaults: &d {shell: /bin/bash}\nusers:\n  - <<: *d\n    name: a\n";
    assert_eq!(user_data_problem(some_aliases, &caps), None);
    let none = Capabilities { max_user_data_bytes: 0, ..caps };
    assert_eq!(user_data_problem("#!/bin/sh", &none).unwrap(), "This backend takes no cloud-init user data.");
}
