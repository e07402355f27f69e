// Generated from the Rust types of src-tauri/engine by `UPDATE_BINDINGS=1 cargo test -p vmdeck-engine bindings`.
// Do not edit by hand.

export type ErrorCode = "internal" | "invalid_input" | "auth_failed" | "permission_denied" | "not_found" | "conflict" | "rate_limited" | "timeout" | "unreachable" | "tls_failure" | "malformed_response" | "provider_error" | "keychain_unavailable" | "keychain_locked" | "vault_sealed" | "vault_denied" | "host_key_changed" | "host_key_unknown" | "host_key_revoked" | "update_rejected" | "cancelled" | "unsupported";

export type AppError = { code: ErrorCode, 
/**
 * One or two sentences a user can act on.
 */
message: string, 
/**
 * Structured context (field names, HTTP status, the provider's own message); never secrets.
 */
details: Record<string, unknown> | null, };

export type KeychainStatus = { 
/**
 * Human name of the platform store, e.g. "Secret Service (D-Bus)".
 */
backend: string, available: boolean, 
/**
 * Why it cannot be used, when it cannot.
 */
problem: AppError | null, 
/**
 * What the user should know although it works (the kernel-keyring fallback).
 */
note: string | null, };

export type AppInfo = { name: string, version: string, identifier: string, data_dir: string, log_dir: string, os: string, arch: string, keychain: KeychainStatus, };

export type UpdateOffer = { version: string, current_version: string, 
/**
 * Release notes as the release published them (plain text or Markdown, shown as text).
 */
notes: string | null, 
/**
 * Publication date, RFC 3339, when the release names one.
 */
date: string | null, };

export type UpdateProgress = { downloaded: number, 
/**
 * The size the server announced, when it did.
 */
total: number | null, };

export type ProviderKind = "enclaive" | "hyperstack" | "lunanode" | "cloudvm" | "local";

export type VmState = "creating" | "running" | "stopping" | "stopped" | "starting" | "rebooting" | "hibernating" | "hibernated" | "restoring" | "deleting" | "error" | "unknown";

export type IpVersion = "v4" | "v6";

export type Address = { ip: string, version: IpVersion, public: boolean, };

export type Price = { per_hour: number | null, per_month: number | null, 
/**
 * ISO 4217 code where the provider says it.
 */
currency: string | null, 
/**
 * The provider's figure as given, when its unit is not documented (Lunanode's plan price).
 */
as_given: string | null, };

export type Flavor = { id: string, name: string, region: string | null, vcpu: number | null, ram_gb: number | null, disk_gb: number | null, gpu: string | null, gpu_count: number, price: Price | null, 
/**
 * False when the provider reports no stock.
 */
available: boolean, };

export type Region = { id: string, name: string, 
/**
 * The provider region this location sits in, when that differs from `id` (a Hyperstack environment's
 * region): flavors and images are matched against it.
 */
area: string | null, };

export type Image = { id: string, name: string, distribution: string | null, version: string | null, region: string | null, min_disk_gb: number | null, min_ram_gb: number | null, };

export type KeyPair = { id: string, name: string, fingerprint: string | null, region: string | null, };

export type Direction = "ingress" | "egress";

export type SecurityRule = { direction: Direction, 
/**
 * A protocol name from the catalog's `rule_protocols` ("tcp", "udp", "icmp", "any", …).
 */
protocol: string, ethertype: IpVersion, 
/**
 * The remote range, e.g. "203.0.113.7/32".
 */
cidr: string, port_min: number | null, port_max: number | null, };

export type SecurityGroup = { id: string, name: string, region: string | null, };

export type Catalog = { regions: Array<Region>, 
/**
 * Existing security groups (Lunanode), to pick at create.
 */
security_groups: Array<SecurityGroup>, images: Array<Image>, flavors: Array<Flavor>, key_pairs: Array<KeyPair>, rule_protocols: Array<string>, };

export type Vm = { id: string, name: string, provider: ProviderKind, state: VmState, 
/**
 * The provider's own state value, for the detail pane and for states we do not know.
 */
raw_state: string, addresses: Array<Address>, region: string | null, image: string | null, flavor: Flavor | null, 
/**
 * When the provider says; an ISO 8601 string as given.
 */
created: string | null, labels: Array<string>, 
/**
 * The firewall rules the provider reports on the VM (Hyperstack); empty where it reports none.
 */
security_rules: Array<SecurityRule>, 
/**
 * The public port SSH answers on: 22 unless the provider remapped it; None when it remapped it and
 * does not report where (Hyperstack's port randomisation), so the SSH dialog asks.
 */
ssh_port: number | null, 
/**
 * The provider's raw record.
 */
extra: unknown, };

export type ConsoleKind = "none" | "provider_url" | "vnc";

export type Capabilities = { regions: boolean, security_rules_at_create: boolean, key_pairs: boolean, password_login: boolean, cloud_init: boolean, 
/**
 * The most VMs one create call may ask for.
 */
max_count: number, console: ConsoleKind, reboot: boolean, labels: boolean, max_name_len: number, 
/**
 * Create works only by copying an existing VM's configuration (enclaive: no catalog endpoints).
 */
clone_only: boolean, 
/**
 * The create call lets the user choose whether a public (floating) IP is attached.
 */
public_ip_choice: boolean, 
/**
 * A public key can be uploaded as a new key pair from the wizard.
 */
import_key: boolean, 
/**
 * The largest cloud-init user data the backend accepts, in bytes (0 when there is no cloud-init).
 */
max_user_data_bytes: number, 
/**
 * VMs can be hibernated and restored (Hyperstack).
 */
hibernate: boolean, 
/**
 * A public IP can be attached to and detached from an existing VM (Hyperstack).
 */
public_ip_attach: boolean, 
/**
 * The create call can randomise the public ports (Hyperstack's `enable_port_randomization`).
 */
port_randomization: boolean, 
/**
 * Existing security groups can be attached at create (Lunanode's `securitygroups`).
 */
security_groups: boolean, };

export type PowerAction = "start" | "stop" | "reboot" | "hibernate" | "restore";

export type CreateRequest = { name: string, count: number, region: string | null, image: string | null, flavor: string | null, key_pair: string | null, assign_public_ip: boolean, 
/**
 * Hyperstack: randomise the public ports (SSH then answers on a port other than 22). Sent explicitly,
 * since the API's default is true.
 */
port_randomization: boolean, 
/**
 * Existing security groups to attach (Lunanode), by id.
 */
security_groups: Array<string>, security_rules: Array<SecurityRule>, 
/**
 * cloud-init user data as plain text; providers that want base64 encode it.
 */
user_data: string | null, labels: Array<string>, 
/**
 * Provider-specific fields the normalised ones cannot carry (enclaive's provider, size and price ids,
 * taken from an existing VM's configuration).
 */
provider_options: Record<string, unknown> | null, };

export type PreparedCall = { method: string, 
/**
 * The path under the account's base URL (Lunanode: the `category/action` handler).
 */
path: string, 
/**
 * The JSON body (Lunanode: the `req` object that is signed).
 */
body: unknown, };

export type FieldProblem = { field: string, message: string, };

export type CreateCheck = { problems: Array<FieldProblem>, unfit_flavors: { [key in string]: string }, call: PreparedCall | null, };

export type Template = { name: string, account_id: string, request: CreateRequest, };

export type ConsoleTarget = { "kind": "url", url: string, } | { "kind": "vnc", host: string, port: number, };

export type AccountListing = { account_id: string, vms: Array<Vm>, 
/**
 * Why this account could not be listed; its VMs are then the empty list.
 */
error: AppError | null, 
/**
 * Milliseconds since the epoch when the answer (or the error) arrived.
 */
fetched_at_ms: number, 
/**
 * Set (with `vms` left empty) when the account's VMs are exactly those the UI was last sent:
 * see `SentListings`.
 */
unchanged?: boolean, };

export type CredentialSource = { "kind": "vault", path: string, } | { "kind": "provider_password" } | { "kind": "key_pair", name: string, } | { "kind": "stored_key", name: string, } | { "kind": "ask" };

export type SshTarget = { host: string, port: number, user: string, credentials: CredentialSource, 
/**
 * Why `port` is only a guess the user should check (the provider moved SSH and does not say where).
 */
port_note: string | null, 
/**
 * Why `host` is empty or only a guess (the backend reports no address).
 */
host_note: string | null, 
/**
 * Host, port and user are the ones the user saved for this VM.
 */
remembered: boolean, };

export type ImportItem = { label: string, kind: ProviderKind, address: string, 
/**
 * What to look at before trusting it: a proxy, its own CA, plain http, a Vault path, a near copy.
 */
flags: Array<string>, };

export type SavedSshTarget = { host: string, port: number, user: string, };

export type ManagedSshConfig = { enabled: boolean, path: string, 
/**
 * The line the user adds at the top of `~/.ssh/config`.
 */
include_line: string, 
/**
 * Hosts in the file as last written; None before it was written this session.
 */
hosts: number | null, };

export type NotificationSettings = { 
/**
 * A create finished or failed while VMDeck's window was in the background.
 */
creates: boolean, 
/**
 * A VM changed state or disappeared without the user asking in VMDeck.
 */
changes: boolean, };

export type AuditEntry = { 
/**
 * Milliseconds since the epoch.
 */
at_ms: number, 
/**
 * What was done: `create`, `start`, `stop`, `reboot`, `hibernate`, `restore`, `delete`, `public_ip`,
 * `ssh_open`, `console_open`, `vault_read`, `account_add`, `account_update`, `account_remove`.
 */
action: string, account_id: string | null, vm_id: string | null, 
/**
 * The VM's name when the action was done (it outlives the VM).
 */
vm_name: string | null, 
/**
 * Where, when it is not a VM of an account: `host:port` of an SSH login, a Vault path, a new VM's name.
 */
target: string | null, ok: boolean, 
/**
 * The stable code of the failure (never its message, which may quote a provider's answer).
 */
error_code: ErrorCode | null, };

export type ServerEnvironment = { name: string, cloud: string, region: string, 
/**
 * Machine types whose `clouds` has this environment's cloud, sorted.
 */
machine_types: Array<string>, };

export type EnclaiveSignIn = "password" | "token";

export type AccountSettings = { "kind": "enclaive", base_url: string, sign_in: EnclaiveSignIn, email: string, team_id: string, project_id: string, 
/**
 * The team's Vault: the login's Vault token reads the VMs' root logins there, with no other Vault
 * set up. Absent in accounts saved before it existed.
 */
vault_address: string | null, } | { "kind": "hyperstack", base_url: string, default_environment: string | null, } | { "kind": "lunanode", base_url: string, api_id: string, default_region: string | null, } | { "kind": "cloudvm", base_url: string, access_key: string, environment: string, machine_types: Array<string>, 
/**
 * The API reports no addresses: the SSH host of each VM from its name or id, e.g.
 * `{name}.lab.example`. Absent in accounts saved before it existed.
 */
ssh_host_template: string | null, } | { "kind": "local", };

export type Journal = "saved" | "adding" | "removing";

export type AccountDraft = { label: string, 
/**
 * A CSS colour for the account's badge, e.g. "#2f6fde".
 */
color: string, settings: AccountSettings, 
/**
 * Where VM login credentials live in Vault; placeholders `{teamId}`, `{projectId}`, `{vmId}`, `{vmName}`, `{accountId}`.
 */
vault_path_template: string | null, 
/**
 * An HTTP(S) proxy for this account only (otherwise `HTTPS_PROXY` / `NO_PROXY` apply).
 */
proxy: string | null, 
/**
 * A PEM CA certificate to trust for this account's server (a self-hosted Cloud VM API, say).
 */
ca_certificate_pem: string | null, };

export type Account = { id: string, journal: Journal, label: string, 
/**
 * A CSS colour for the account's badge, e.g. "#2f6fde".
 */
color: string, settings: AccountSettings, 
/**
 * Where VM login credentials live in Vault; placeholders `{teamId}`, `{projectId}`, `{vmId}`, `{vmName}`, `{accountId}`.
 */
vault_path_template: string | null, 
/**
 * An HTTP(S) proxy for this account only (otherwise `HTTPS_PROXY` / `NO_PROXY` apply).
 */
proxy: string | null, 
/**
 * A PEM CA certificate to trust for this account's server (a self-hosted Cloud VM API, say).
 */
ca_certificate_pem: string | null, };

export type AccountView = { has_secret: boolean | null, id: string, journal: Journal, label: string, 
/**
 * A CSS colour for the account's badge, e.g. "#2f6fde".
 */
color: string, settings: AccountSettings, 
/**
 * Where VM login credentials live in Vault; placeholders `{teamId}`, `{projectId}`, `{vmId}`, `{vmName}`, `{accountId}`.
 */
vault_path_template: string | null, 
/**
 * An HTTP(S) proxy for this account only (otherwise `HTTPS_PROXY` / `NO_PROXY` apply).
 */
proxy: string | null, 
/**
 * A PEM CA certificate to trust for this account's server (a self-hosted Cloud VM API, say).
 */
ca_certificate_pem: string | null, };

export type ConnectionReport = { vm_count: number, 
/**
 * One line for the form, e.g. "Signed in to Hyperstack: 3 VMs".
 */
summary: string, };

export type ProjectChoice = { id: string, name: string, };

export type VaultAuth = { "method": "token" } | { "method": "userpass", username: string, mount: string, } | { "method": "approle", role_id: string, mount: string, } | { "method": "oidc", mount: string, role: string | null, };

export type KvVersion = "auto" | "v1" | "v2";

export type VaultConfig = { address: string, namespace: string | null, auth: VaultAuth, 
/**
 * Accept any certificate: for a lab Vault only; the UI warns.
 */
skip_verify: boolean, 
/**
 * A PEM file with the CA that signed Vault's certificate.
 */
ca_cert_path: string | null, kv_version: KvVersion, 
/**
 * Which secret fields hold the user, password, key, passphrase and VNC password.
 */
fields: FieldMapping, };

export type VaultStatus = { address: string, display_name: string, policies: Array<string>, 
/**
 * Seconds left; None for a token that never expires (root).
 */
expires_in_secs: number | null, renewable: boolean, };

export type FieldMapping = { username: Array<string>, password: Array<string>, private_key: Array<string>, passphrase: Array<string>, vnc_password: Array<string>, };

export type VaultOverview = { config: VaultConfig | null, 
/**
 * True when `config` comes from VAULT_ADDR / VAULT_NAMESPACE rather than saved settings.
 */
from_environment: boolean, has_secret: boolean, status: VaultStatus | null, 
/**
 * Why the saved connection could not be used, when it could not.
 */
problem: AppError | null, };

export type HostKeyDecision = { "kind": "known_only" } | { "kind": "trust_once", fingerprint: string, } | { "kind": "trust_and_save", fingerprint: string, };

export type QemuInstall = { system: string, img: string, 
/**
 * `kvm`, `hvf`, `whpx` or `tcg`.
 */
accel: string, 
/**
 * Why the hardware accelerator is not used, when it is not ("slow: no hardware acceleration").
 */
accel_note: string | null, version: string, };

export type CachedImage = { id: string, bytes: number, partial: boolean, };

export type SshCredential = { "kind": "password", password: string, } | { "kind": "key_file", path: string, passphrase: string | null, } | { "kind": "agent" } | { "kind": "vault", path: string, account_id: string | null, 
/**
 * The VM this login is for: a login VMDeck fetches goes only to one of its hosts.
 */
vm_id: string | null, } | { "kind": "provider_password", account_id: string, vm_id: string, } | { "kind": "stored_key", name: string, passphrase: string | null, };

export type SshClosed = { exit_status: number | null, error: AppError | null, };

export type SshOpened = { id: number, user: string, url: string, };

export type StoredKey = { name: string, 
/**
 * The key's type from its PEM header or first line (`OPENSSH PRIVATE KEY`, `RSA PRIVATE KEY`, …).
 */
kind: string, };

export type VncCredential = { "kind": "vault", path: string, account_id: string | null, } | { "kind": "provider", account_id: string, vm_id: string, } | { "kind": "prompt" } | { "kind": "none" };

export type VncOpened = { id: number, url: string, };
