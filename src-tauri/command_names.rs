// Every command the UI may invoke, in snake_case. Read by build.rs, which generates one `allow-<name>`
// permission per entry; `lib.rs` registers the handlers and `capabilities/main.json` grants them.
// A command missing here is denied at run time, which the E2E suite catches.
&[
    "app_info",
    "accounts_list",
    "account_add",
    "account_update",
    "account_rename",
    "account_remove",
    "account_duplicate",
    "account_test",
    "account_projects",
    "accounts_export",
    "accounts_import",
    "account_catalog",
    "account_capabilities",
    "machines_list",
    "machine_power",
    "machine_delete",
    "vault_overview",
    "vault_save",
    "vault_forget",
    "vault_test_read",
]
