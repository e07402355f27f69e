//! `.ci/bench-local`: time from Create to the first SSH login of a local VM through VMDeck, beside the same
//! guest started by a plain `qemu-system` command line (same image, overlay, seed, accelerator, vCPUs and
//! memory), rounds interleaved in one run; then the CPU VMDeck's engine uses while the VM idles (listing it
//! every 2 s, as the Machines page does) beside QEMU's own. Needs QEMU and the guest of `.ci/guest-image`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vmdeck_engine::accounts::{MemorySecrets, MemorySettings};
use vmdeck_engine::model::{CreateRequest, VmState};
use vmdeck_engine::providers::local::{images, qemu_install, seed, Local, LocalEnv, GENERATE_KEY};
use vmdeck_engine::providers::Provider;
use vmdeck_engine::ssh::stored_keys::StoredKeys;
use vmdeck_engine::ssh::{connect, HostKeyDecision, KnownHosts, SshAuth, SshLogin};
use vmdeck_engine::Secret;
use vmdeck_fakes::images::ImageServer;

const IMAGE: &str = "test-debian-12";
const VCPU: &str = "2";
const RAM: &str = "2048M";

fn request(name: &str) -> CreateRequest {
    CreateRequest {
        name: name.into(),
        count: 1,
        image: Some(IMAGE.into()),
        flavor: Some("medium".into()), // 2 vCPU, 2 GB: the plain command line below uses the same
        key_pair: Some(GENERATE_KEY.into()),
        ..CreateRequest::default()
    }
}

/// Logs in and runs `true`, retrying until it works: the moment a user would get a prompt.
fn first_login(
    port: u16,
    user: &str,
    key: &Secret,
    known: &KnownHosts,
    decision: &HostKeyDecision,
    serial: &Path,
) {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let login = SshLogin {
            host: "127.0.0.1".into(),
            port,
            user: user.into(),
            auth: SshAuth::KeyMemory { private_key: key.clone(), passphrase: None },
            timeout: Duration::from_secs(10),
        };
        if let Ok(session) = connect(&login, known, decision) {
            let mut channel = session.channel_session().unwrap();
            channel.exec("true").unwrap();
            let mut out = String::new();
            std::io::Read::read_to_string(&mut channel, &mut out).unwrap();
            channel.wait_close().unwrap();
            return;
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(serial).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
            panic!("no SSH login within 4 minutes; the guest's console:\n{}", tail.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

async fn vmdeck_round(local: &Local, env: &LocalEnv, round: usize) -> f64 {
    let started = Instant::now();
    let vm = local.create(&request(&format!("bench-{round}"))).await.unwrap().remove(0);
    local.ssh_ready(&vm.id).await.unwrap();
    let vm = local.get_vm(&vm.id).await.unwrap();
    let key = env.keys.private_key(vm.extra["key_name"].as_str().unwrap()).unwrap();
    let known = KnownHosts::new(&env.known_hosts);
    let port = vm.ssh_port.unwrap();
    let serial = PathBuf::from(vm.extra["folder"].as_str().unwrap()).join("serial.log");
    tokio::task::spawn_blocking(move || {
        first_login(port, "debian", &key, &known, &HostKeyDecision::KnownOnly, &serial)
    })
    .await
    .unwrap();
    let secs = started.elapsed().as_secs_f64();
    local.delete(&vm.id).await.unwrap();
    secs
}

/// The same guest by hand: overlay, a seed with a user and key, one `qemu-system` command, SSH.
async fn plain_round(base: &Path, kernel: &Path, initrd: &Path, qemu: &str, img: &str) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let disk = dir.path().join("disk.qcow2");
    let status = std::process::Command::new(img)
        .args(["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b"])
        .arg(base)
        .arg(&disk)
        .status()
        .unwrap();
    assert!(status.success());
    let login_key = seed::generate_key("bench").unwrap();
    let host_key = seed::generate_key("bench host").unwrap();
    let input = seed::SeedInput {
        instance_id: "plain",
        hostname: "plain",
        user: "debian",
        authorized_key: &login_key.public_openssh,
        host_key: &host_key,
        user_data: None,
    };
    let seed_path = dir.path().join("seed.img");
    seed::write_seed(
        &seed_path,
        &[("meta-data", &seed::meta_data(&input)), ("user-data", &seed::user_data(&input).unwrap())],
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let accel = qemu_install().await.unwrap().accel;
    let child = std::process::Command::new(qemu)
        .args(["-machine", "q35", "-accel", if accel == "tcg" { "tcg,thread=multi" } else { &accel }])
        .args(["-cpu", if accel == "tcg" { "max" } else { "host" }, "-smp", VCPU, "-m", RAM])
        .args(["-drive", &format!("if=virtio,file={},format=qcow2", disk.display())])
        .args(["-drive", &format!("if=virtio,file={},format=raw", seed_path.display())])
        .args([
            "-netdev",
            &format!("user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:22"),
            "-device",
            "virtio-net-pci,netdev=n0",
        ])
        .args(["-device", "virtio-rng-pci", "-display", "none", "-serial"])
        .arg(format!("file:{}", dir.path().join("serial.log").display()))
        .arg("-kernel")
        .arg(kernel)
        .arg("-initrd")
        .arg(initrd)
        .args(["-append", "root=/dev/vda rw console=ttyS0"])
        .spawn()
        .unwrap();
    let _qemu = KillOnDrop(child);
    let known_file = dir.path().join("known_hosts");
    let known = KnownHosts::new(&known_file);
    known.pin("127.0.0.1", port, &host_key.public_openssh).unwrap();
    let key = login_key.private_openssh.clone();
    let serial = dir.path().join("serial.log");
    tokio::task::spawn_blocking(move || {
        first_login(port, "debian", &key, &known, &HostKeyDecision::KnownOnly, &serial)
    })
    .await
    .unwrap();
    started.elapsed().as_secs_f64()
}

/// The plain QEMU ends with its round, even when the round panics.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// CPU seconds (user + system) a process has used, from /proc.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

#[tokio::main]
async fn main() {
    let guest = std::env::var_os("VMDECK_GUEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-output/guest"));
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let mirror = ImageServer::start(guest.clone()).await.unwrap();
    std::env::set_var("VMDECK_IMAGE_CATALOG", mirror.url("catalog.json"));
    let home = tempfile::tempdir().unwrap();
    let env = Arc::new(LocalEnv {
        data_dir: home.path().join("data"),
        cache_dir: home.path().join("cache"),
        known_hosts: home.path().join("data/known_hosts"),
        keys: Arc::new(StoredKeys::new(
            Arc::new(MemorySettings::default()),
            Arc::new(MemorySecrets::default()),
        )),
    });
    let local = Local::new(env.clone());
    let qemu = qemu_install().await.unwrap();
    println!("QEMU: {} · accelerator {} · {rounds} rounds each, interleaved", qemu.version, qemu.accel);

    // The download is not part of the comparison: one create fills the cache first.
    let warm = local.create(&request("warm")).await.unwrap().remove(0);
    while local.get_vm(&warm.id).await.unwrap().state == VmState::Creating {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    local.delete(&warm.id).await.unwrap();
    let images_dir = env.images_dir();
    let base = images::cached_path(&images_dir, IMAGE, "base.qcow2");
    let kernel = images::cached_path(&images_dir, IMAGE, "vmlinuz");
    let initrd = images::cached_path(&images_dir, IMAGE, "initrd.img");

    let (mut plain, mut vmdeck) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let p = plain_round(&base, &kernel, &initrd, &qemu.system, &qemu.img).await;
        let v = vmdeck_round(&local, &env, round).await;
        println!("round {}: plain qemu-system {p:.1} s · VMDeck {v:.1} s", round + 1);
        plain.push(p);
        vmdeck.push(v);
    }
    let (p, v) = (median(&mut plain), median(&mut vmdeck));
    println!("create → first SSH login, median: plain qemu-system {p:.1} s · VMDeck {v:.1} s · ratio {:.3} (goal ≤ 1.05)", v / p);

    // Idle: one VM booted, VMDeck listing it every 2 s for 30 s (the Machines page's pace).
    let vm = local.create(&request("idle")).await.unwrap().remove(0);
    local.ssh_ready(&vm.id).await.unwrap();
    let folder =
        PathBuf::from(local.get_vm(&vm.id).await.unwrap().extra["folder"].as_str().unwrap().to_owned());
    let qemu_pid: u32 = std::fs::read_to_string(folder.join("qemu.pid")).unwrap().trim().parse().unwrap();
    let me = std::process::id();
    let (me0, q0, t0) = (cpu_secs(me), cpu_secs(qemu_pid), Instant::now());
    while t0.elapsed() < Duration::from_secs(30) {
        local.list_vms().await.unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let secs = t0.elapsed().as_secs_f64();
    let (mine, theirs) = ((cpu_secs(me) - me0) / secs * 100.0, (cpu_secs(qemu_pid) - q0) / secs * 100.0);
    println!("idle VM, 30 s: VMDeck engine (listing every 2 s) {mine:.2} % CPU · the guest's QEMU {theirs:.1} % CPU");
    local.delete(&vm.id).await.unwrap();
}
