//! "This computer" end to end with a real QEMU guest (the Debian image `.ci/guest-image` builds, served
//! with its checksum file by the fakes' image mirror): download with a cut and a resume, checksum refusal,
//! create, first SSH connect verified against the pinned host key with no prompt, a command's output,
//! the seed gone after boot, a changed key refused, the VNC console through the bridge with QEMU's
//! password, stop (ACPI), a start refused while its SSH port is taken, start, delete leaving nothing.
//! Ignored by a plain `cargo test` (it needs QEMU and the built image); CI runs it with --include-ignored.
#[path = "common/rfb.rs"]
mod rfb;
#[path = "common/ws.rs"]
mod ws;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vmdeck_engine::accounts::{MemorySecrets, MemorySettings};
use vmdeck_engine::model::{CreateRequest, PowerAction, Vm, VmState};
use vmdeck_engine::providers::local::{Local, LocalEnv, GENERATE_KEY};
use vmdeck_engine::providers::Provider;
use vmdeck_engine::ssh::stored_keys::StoredKeys;
use vmdeck_engine::ssh::{connect, HostKeyDecision, KnownHosts, SshAuth, SshLogin};
use vmdeck_engine::vnc::VncBridge;
use vmdeck_engine::ErrorCode;
use vmdeck_fakes::images::ImageServer;

const IMAGE: &str = "test-debian-12";

fn guest_dir() -> PathBuf {
    let dir = std::env::var_os("VMDECK_GUEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-output/guest"));
    assert!(
        dir.join("catalog.json").is_file(),
        "no guest image in {}: run .ci/guest-image first",
        dir.display()
    );
    dir
}

/// One test at a time: each points VMDECK_IMAGE_CATALOG at its own mirror.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Setup {
    _serial: tokio::sync::MutexGuard<'static, ()>,
    env: Arc<LocalEnv>,
    local: Local,
    mirror: ImageServer,
    _home: tempfile::TempDir,
}

async fn setup() -> Setup {
    let serial = SERIAL.lock().await;
    let mirror = ImageServer::start(guest_dir()).await.unwrap();
    // Read when the catalog is fetched; every test of this binary sets the same kind of value.
    std::env::set_var("VMDECK_IMAGE_CATALOG", mirror.url("catalog.json"));
    let home = tempfile::tempdir().unwrap();
    let keys =
        Arc::new(StoredKeys::new(Arc::new(MemorySettings::default()), Arc::new(MemorySecrets::default())));
    let env = Arc::new(LocalEnv {
        data_dir: home.path().join("data"),
        cache_dir: home.path().join("cache"),
        known_hosts: home.path().join("data/known_hosts"),
        keys,
    });
    Setup { _serial: serial, local: Local::new(env.clone()), env, mirror, _home: home }
}

/// A failed assertion must not leave a guest running (they are detached): every QEMU of this test's data
/// folder is killed by its pidfile when the test ends, however it ends.
impl Drop for Setup {
    fn drop(&mut self) {
        for entry in std::fs::read_dir(self.env.vms_dir()).into_iter().flatten().flatten() {
            if let Ok(pid) = std::fs::read_to_string(entry.path().join("qemu.pid")) {
                let _ = std::process::Command::new("kill").args(["-9", pid.trim()]).status();
            }
        }
    }
}

fn request(name: &str) -> CreateRequest {
    CreateRequest {
        name: name.into(),
        count: 1,
        image: Some(IMAGE.into()),
        flavor: Some("medium".into()),
        key_pair: Some(GENERATE_KEY.into()),
        ..CreateRequest::default()
    }
}

/// Polls the VM until `done` says so, collecting the state lines seen on the way.
async fn wait_for(
    local: &Local,
    id: &str,
    within: Duration,
    done: impl Fn(&Vm) -> bool,
) -> (Vm, Vec<String>) {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    loop {
        let vm = local.get_vm(id).await.unwrap();
        if seen.last() != Some(&vm.raw_state) {
            seen.push(vm.raw_state.clone());
        }
        if done(&vm) {
            return (vm, seen);
        }
        assert!(Instant::now() < deadline, "{id} still {:?} after {within:?}; seen: {seen:?}", vm.state);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn login(env: &LocalEnv, vm: &Vm) -> SshLogin {
    let key_name = vm.extra["key_name"].as_str().unwrap();
    SshLogin {
        host: "127.0.0.1".into(),
        port: vm.ssh_port.unwrap(),
        user: vm.extra["user"].as_str().unwrap().into(),
        auth: SshAuth::KeyMemory { private_key: env.keys.private_key(key_name).unwrap(), passphrase: None },
        timeout: Duration::from_secs(20),
    }
}

fn run(session: &ssh2::Session, command: &str) -> String {
    let mut channel = session.channel_session().unwrap();
    channel.exec(command).unwrap();
    let mut out = String::new();
    channel.read_to_string(&mut out).unwrap();
    channel.wait_close().unwrap();
    out
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "boots a real QEMU guest (about 2 minutes under TCG); CI runs it with --include-ignored"]
async fn a_local_vm_from_download_to_delete() {
    let s = setup().await;
    let catalog = s.local.catalog().await.unwrap();
    assert!(
        catalog.images.iter().any(|i| i.id == IMAGE && i.name.contains("downloads")),
        "{:?}",
        catalog.images
    );
    assert!(catalog.flavors.iter().any(|f| f.id == "medium" && f.available));

    // A download cut at 40 MB fails the create, leaves nothing of the VM but its record, and keeps the
    // partial file for the next try.
    s.mirror.faults.lock().unwrap().cut_once = Some(("base.qcow2".into(), 40_000_000));
    let cut = s.local.create(&request("cut")).await.unwrap().remove(0);
    let (failed, _) =
        wait_for(&s.local, &cut.id, Duration::from_secs(60), |vm| vm.state == VmState::Error).await;
    assert!(
        failed.raw_state.contains("stopped at") || failed.raw_state.contains("Could not download"),
        "{}",
        failed.raw_state
    );
    assert!(s.env.keys.list().unwrap().is_empty(), "the generated key is gone");
    assert!(std::fs::read_to_string(&s.env.known_hosts).unwrap_or_default().trim().is_empty(), "no pin left");
    s.local.delete(&cut.id).await.unwrap();

    // The next create resumes from where the cut left off, verifies and boots.
    let created = Instant::now();
    let vm = s.local.create(&request("guest-1")).await.unwrap().remove(0);
    assert_eq!(vm.state, VmState::Creating);
    let (vm, seen) =
        wait_for(&s.local, &vm.id, Duration::from_secs(120), |vm| vm.state == VmState::Running).await;
    let requests = s.mirror.log.lock().unwrap().requests.clone();
    assert!(requests.iter().any(|r| r.starts_with("base.qcow2@")), "resumed with a range: {requests:?}");
    assert!(seen.iter().any(|s| s.starts_with("downloading base.qcow2:") && s.contains("MB/s")), "{seen:?}");
    let files = PathBuf::from(vm.extra["folder"].as_str().unwrap());
    assert!(files.join("seed.img").exists(), "the seed is there for the first boot");

    // SSH: the first connect is verified against the host key VMDeck generated: KnownOnly, no prompt.
    let env = s.env.clone();
    let vm_for_ssh = vm.clone();
    let session = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            match connect(
                &login(&env, &vm_for_ssh),
                &KnownHosts::new(&env.known_hosts),
                &HostKeyDecision::KnownOnly,
            ) {
                Ok(session) => return session,
                Err(err)
                    if Instant::now() < deadline
                        && err.code != ErrorCode::HostKeyChanged
                        && err.code != ErrorCode::HostKeyUnknown =>
                {
                    std::thread::sleep(Duration::from_secs(2))
                }
                Err(err) => panic!("SSH to the guest failed: {err:?}"),
            }
        }
    })
    .await
    .unwrap();
    eprintln!("create to SSH: {:.0} s", created.elapsed().as_secs_f64());
    let out = run(
        &session,
        "id -un; hostname; cloud-init status --wait >/dev/null; ls /etc/ssh/ | grep -c '^ssh_host_.*_key$'",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines, ["debian", "guest-1", "1"], "user, hostname, one host key (VMDeck's)");

    // The seed with the host key's private half is deleted once the guest answered SSH.
    let deadline = Instant::now() + Duration::from_secs(10);
    while files.join("seed.img").exists() {
        assert!(Instant::now() < deadline, "the seed was not deleted after the first boot");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A different key for the same host is refused, not prompted.
    let other = tempfile::tempdir().unwrap();
    let changed = KnownHosts::new(other.path().join("known_hosts"));
    let stranger = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC3NhM0x6gM1bE5JdGQ0oHqRn0AZ4Xn5Bq1V3mWm6oJ7 other";
    changed.pin("127.0.0.1", vm.ssh_port.unwrap(), stranger).unwrap();
    let (env, vm2) = (s.env.clone(), vm.clone());
    let refused = tokio::task::spawn_blocking(move || {
        // Under TCG on a busy machine the SSH handshake itself can time out (seen once in CI as "SSH
        // handshake failed"); that says nothing about the key check, so such a try is made again.
        let mut attempts = 0;
        loop {
            attempts += 1;
            match connect(&login(&env, &vm2), &changed, &HostKeyDecision::KnownOnly) {
                Err(err) if err.code == ErrorCode::ProviderError && attempts < 3 => {
                    eprintln!("retrying after: {}", err.message);
                    std::thread::sleep(Duration::from_secs(2));
                }
                other => break other.err(),
            }
        }
    })
    .await
    .unwrap()
    .expect("a changed key must be refused");
    assert_eq!(refused.code, ErrorCode::HostKeyChanged, "{refused:?}");

    // The console: QEMU's VNC on loopback, through the bridge, with the password VMDeck set over QMP.
    let vmdeck_engine::model::ConsoleTarget::Vnc { host, port } = s.local.console(&vm.id).await.unwrap()
    else {
        panic!("a VNC console")
    };
    let password = s.local.console_password(&vm.id).await.unwrap().expect("a VNC password");
    let bridge = VncBridge::start(&host, port).await.unwrap();
    let mut socket = ws::open(&bridge.url()).await.unwrap();
    let init = rfb::handshake(&mut socket, password.expose()).await.unwrap();
    assert!(init.width >= 640 && init.height >= 400, "{init:?}");
    let (rects, _) = rfb::request_full_update(&mut socket, init.width, init.height).await;
    assert!(rects >= 1);
    assert_ne!(vnc_auth_result(port, "wrongpw").await, 0, "a wrong password is refused");
    drop(session);

    // Stop presses the ACPI button; the guest powers off and QEMU exits.
    s.local.power(&vm.id, PowerAction::Stop).await.unwrap();
    wait_for(&s.local, &vm.id, Duration::from_secs(120), |vm| vm.state == VmState::Stopped).await;

    // Its SSH port taken by another program: Start says so and nothing runs.
    let squatter = std::net::TcpListener::bind(("127.0.0.1", vm.ssh_port.unwrap())).unwrap();
    let err = s.local.power(&vm.id, PowerAction::Start).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "{err:?}");
    assert!(
        err.message.contains(&vm.ssh_port.unwrap().to_string()) || err.message.contains("forwarding"),
        "{}",
        err.message
    );
    drop(squatter);
    assert_eq!(s.local.get_vm(&vm.id).await.unwrap().state, VmState::Stopped);

    s.local.power(&vm.id, PowerAction::Start).await.unwrap();
    wait_for(&s.local, &vm.id, Duration::from_secs(20), |vm| vm.state == VmState::Running).await;

    // Delete: QEMU ends, the folder, the key and the known_hosts pin are gone.
    s.local.delete(&vm.id).await.unwrap();
    assert!(!files.exists());
    assert!(s.env.keys.list().unwrap().is_empty());
    assert!(!std::fs::read_to_string(&s.env.known_hosts)
        .unwrap()
        .contains(&format!(":{}]", vm.ssh_port.unwrap())));
    assert!(s.local.list_vms().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs QEMU and the built guest image; CI runs it with --include-ignored"]
async fn a_download_that_does_not_match_its_checksum_is_refused_and_deleted() {
    let s = setup().await;
    s.mirror.faults.lock().unwrap().corrupt = Some("vmlinuz".into());
    // The base image arrives intact and is kept; the kernel after it does not match and is deleted.
    let vm = s.local.create(&request("corrupt")).await.unwrap().remove(0);
    let (failed, _) =
        wait_for(&s.local, &vm.id, Duration::from_secs(120), |vm| vm.state == VmState::Error).await;
    assert!(
        failed.raw_state.contains("does not match the publisher's SHA-256 checksum"),
        "{}",
        failed.raw_state
    );
    let cached: Vec<String> = walk(&s.env.images_dir());
    assert!(!cached.iter().any(|f| f.contains("vmlinuz")), "the corrupt file is deleted: {cached:?}");
    assert!(s.env.keys.list().unwrap().is_empty(), "the generated key is gone");
    assert!(!Path::new(failed.extra["folder"].as_str().unwrap()).join("disk.qcow2").exists());
    s.local.delete(&vm.id).await.unwrap();
}

/// The RFB security result QEMU answers to `password`, spoken directly (QEMU closes the connection
/// right after a failure, which the WebSocket client would see as a reset).
async fn vnc_auth_result(port: u16, password: &str) -> u32 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut version = [0u8; 12];
    tcp.read_exact(&mut version).await.unwrap();
    tcp.write_all(b"RFB 003.008\n").await.unwrap();
    let count = tcp.read_u8().await.unwrap() as usize;
    let mut types = vec![0u8; count];
    tcp.read_exact(&mut types).await.unwrap();
    assert_eq!(types, [2], "VNC password authentication only");
    tcp.write_all(&[2]).await.unwrap();
    let mut challenge = [0u8; 16];
    tcp.read_exact(&mut challenge).await.unwrap();
    tcp.write_all(&rfb::vnc_auth_response(password, &challenge)).await.unwrap();
    tcp.read_u32().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "boots a real QEMU guest that never answers; CI runs it with --include-ignored"]
async fn a_guest_that_never_answers_ssh_times_out_clearly_and_deletes_without_a_trace() {
    // The same files under a catalog whose kernel looks for a root disk that is not there: the guest
    // boots QEMU-wise (running) but never reaches sshd.
    let broken = tempfile::tempdir().unwrap();
    for file in ["base.qcow2", "vmlinuz", "initrd.img", "SHA256SUMS"] {
        std::os::unix::fs::symlink(guest_dir().join(file), broken.path().join(file)).unwrap();
    }
    let catalog = std::fs::read_to_string(guest_dir().join("catalog.json")).unwrap();
    let catalog =
        catalog.replace("root=/dev/vda", "root=/dev/nowhere rootdelay=1").replace(IMAGE, "never-boots");
    std::fs::write(broken.path().join("catalog.json"), catalog).unwrap();
    let mut s = setup().await;
    s.mirror = ImageServer::start(broken.path().to_owned()).await.unwrap();
    std::env::set_var("VMDECK_IMAGE_CATALOG", s.mirror.url("catalog.json"));
    let local = Local::new(s.env.clone()).with_ssh_wait(Duration::from_secs(20));
    let vm = local
        .create(&CreateRequest { image: Some("never-boots".into()), ..request("mute") })
        .await
        .unwrap()
        .remove(0);
    let (vm, _) = wait_for(&local, &vm.id, Duration::from_secs(120), |vm| vm.state == VmState::Running).await;
    let err = local.ssh_ready(&vm.id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Timeout, "{err:?}");
    let serial = PathBuf::from(err.details.as_ref().unwrap()["serial_log"].as_str().unwrap());
    assert!(err.message.contains("did not answer within 20 s"), "{}", err.message);
    assert!(
        std::fs::read_to_string(&serial).unwrap().contains("Linux version"),
        "the boot messages are there to read"
    );
    let folder = PathBuf::from(vm.extra["folder"].as_str().unwrap());
    local.delete(&vm.id).await.unwrap();
    assert!(!folder.exists());
    assert!(s.env.keys.list().unwrap().is_empty());
    assert!(std::fs::read_to_string(&s.env.known_hosts).unwrap().trim().is_empty());
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().is_dir() {
            out.extend(walk(&entry.path()));
        } else {
            out.push(entry.path().display().to_string());
        }
    }
    out
}
