use super::*;
use crate::accounts::MemorySettings;

fn entry(alias: &str, host: &str, port: u16, user: &str) -> HostEntry {
    HostEntry { alias: alias.into(), host: host.into(), port, user: user.into() }
}

#[test]
fn aliases_are_one_ssh_config_word() {
    assert_eq!(alias_of("web-1"), "web-1");
    assert_eq!(alias_of("my vm (staging)"), "my-vm--staging");
    assert_eq!(alias_of("db*?!,\"#"), "db");
    assert_eq!(alias_of("***"), "vm");
    assert_eq!(alias_of("gpu_node.eu"), "gpu_node.eu");
}

#[test]
fn an_entry_names_vmdecks_known_hosts_first_and_quotes_a_path_with_spaces() {
    let known = Path::new("/home/ada/Library/Application Support/vmdeck/known_hosts");
    let text = render_entry(&entry("web-1", "203.0.113.10", 2222, "ubuntu"), known).unwrap();
    assert_eq!(
        text,
        "Host web-1\n  HostName 203.0.113.10\n  User ubuntu\n  Port 2222\n  \
         UserKnownHostsFile \"/home/ada/Library/Application Support/vmdeck/known_hosts\" ~/.ssh/known_hosts\n"
    );
    let err = render_entry(&entry("x", "203.0.113.10", 22, "a user"), Path::new("/k")).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(
        render_entry(&entry("x", "h.example", 22, "u"), Path::new("/a\"b")).unwrap_err().code,
        ErrorCode::InvalidInput
    );
}

#[test]
fn the_same_name_in_two_accounts_gets_two_aliases() {
    let entries = unique_aliases(vec![
        ("Toronto".into(), entry("web-1", "203.0.113.1", 22, "root")),
        ("Hyperstack lab".into(), entry("web-1", "203.0.113.2", 22, "ubuntu")),
        ("Hyperstack lab".into(), entry("web-1", "203.0.113.3", 22, "ubuntu")),
        ("Toronto".into(), entry("db", "203.0.113.4", 22, "root")),
    ]);
    let aliases: Vec<&str> = entries.iter().map(|e| e.alias.as_str()).collect();
    assert_eq!(aliases, ["web-1", "web-1-Hyperstack-lab", "web-1-Hyperstack-lab-2", "db"]);
}

#[test]
fn the_file_lists_hosts_by_alias_and_names_what_it_left_out() {
    let (text, hosts) = render_file(
        &[
            entry("web", "203.0.113.1", 22, "root"),
            entry("app", "203.0.113.2", 22, "ubuntu"),
            entry("odd", "", 22, "root"),
        ],
        Path::new("/k"),
    )
    .unwrap();
    assert_eq!(hosts, 2);
    assert!(text.starts_with("# Written by VMDeck"));
    assert!(text.contains("# Left out (no usable host or user): odd\n"));
    assert!(text.find("Host app").unwrap() < text.find("Host web").unwrap());
    assert!(!text.contains("Host odd"));
}

#[test]
fn the_managed_file_is_written_only_when_on_and_changed_and_removed_when_off() {
    let dir = tempfile::tempdir().unwrap();
    let settings: Arc<dyn JsonSettings> = Arc::new(MemorySettings::default());
    let file = ManagedConfigFile::new(settings.clone(), &dir.path().join("config.d"));
    let path = dir.path().join("config.d/vmdeck");
    let known = Path::new("/k");
    let web = [entry("web", "203.0.113.1", 22, "root")];

    // Off by default: nothing is written.
    assert!(!file.keep(&web, known).unwrap());
    assert!(!path.exists());
    assert_eq!(file.status().unwrap().include_line, format!("Include {}", path.display()));

    file.set_enabled(true).unwrap();
    assert!(file.keep(&web, known).unwrap());
    assert!(std::fs::read_to_string(&path).unwrap().contains("Host web\n"));
    assert_eq!(file.status().unwrap().hosts, Some(1));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
    }
    // The same VMs: no write. A VM gone: written again.
    assert!(!file.keep(&web, known).unwrap());
    assert!(file.keep(&[], known).unwrap());
    assert!(!std::fs::read_to_string(&path).unwrap().contains("Host web"));

    // The setting is kept in the settings file, and off removes the file.
    assert!(ManagedConfigFile::new(settings.clone(), &dir.path().join("config.d")).enabled().unwrap());
    file.set_enabled(false).unwrap();
    assert!(!path.exists());
    assert!(!file.status().unwrap().enabled);
}

#[test]
fn a_file_removed_by_hand_is_written_again() {
    let dir = tempfile::tempdir().unwrap();
    let file = ManagedConfigFile::new(Arc::new(MemorySettings::default()), dir.path());
    file.set_enabled(true).unwrap();
    let web = [entry("web", "203.0.113.1", 22, "root")];
    assert!(file.keep(&web, Path::new("/k")).unwrap());
    std::fs::remove_file(dir.path().join("vmdeck")).unwrap();
    assert!(file.keep(&web, Path::new("/k")).unwrap());
}

fn lunanode(id: &str, label: &str) -> Account {
    Account {
        id: id.into(),
        draft: crate::accounts::AccountDraft {
            label: label.into(),
            color: "#22884a".into(),
            settings: crate::accounts::AccountSettings::Lunanode {
                base_url: "https://dynamic.lunanode.com".into(),
                api_id: "0123456789abcdef".into(),
                default_region: None,
            },
            vault_path_template: None,
            proxy: None,
            ca_certificate_pem: None,
        },
        journal: Default::default(),
    }
}

fn vm_at(id: &str, name: &str, ip: Option<&str>) -> Vm {
    let addresses = ip
        .map(|ip| {
            vec![crate::model::Address { ip: ip.into(), version: crate::model::IpVersion::V4, public: true }]
        })
        .unwrap_or_default();
    Vm { addresses, ..Vm::for_tests(id, name) }
}

#[test]
fn entries_come_from_the_vms_with_an_address_and_what_the_user_saved() {
    let listed = vec![
        (lunanode("a", "Toronto"), vec![vm_at("1", "web-1", Some("203.0.113.1")), vm_at("2", "no-ip", None)]),
        (lunanode("b", "Montreal"), vec![vm_at("3", "web-1", Some("203.0.113.3"))]),
    ];
    let saved = |account: &str, vm: &str| {
        (account == "b" && vm == "3").then(|| SavedSshTarget {
            host: "127.0.0.1".into(),
            port: 2222,
            user: "ops".into(),
        })
    };
    let entries = entries_for(&listed, &saved);
    assert_eq!(
        entries,
        [
            HostEntry { alias: "web-1".into(), host: "203.0.113.1".into(), port: 22, user: "root".into() },
            HostEntry {
                alias: "web-1-Montreal".into(),
                host: "127.0.0.1".into(),
                port: 2222,
                user: "ops".into()
            },
        ]
    );
}
