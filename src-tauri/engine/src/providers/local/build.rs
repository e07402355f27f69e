//! Creating local VMs (the review step's plan is `plan.rs`): the work (download, disk, seed, first boot)
//! in a task whose progress the VM's state line shows. A failed create leaves no disk, seed, key or
//! known_hosts entry behind, only its record saying why.

use super::machines::{self, Forward, Phase, VmFiles, VmRecord};
use super::plan::{ingress_ports, plan};
use super::{images, qemu_install, seed, set_activity, Activity, LocalEnv, GENERATE_KEY};
use crate::error::{AppError, ErrorCode, Result};
use crate::model::{CreateRequest, Direction};
use crate::ssh::KnownHosts;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

/// How long the first boot may take before the seed is left for the next start (TCG is slow).
const FIRST_BOOT_WAIT: Duration = Duration::from_secs(20 * 60);

fn now_iso() -> String {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
    // A sortable UTC timestamp without a date library: days since the epoch → civil date.
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

fn hostname_of(name: &str) -> String {
    let host: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .chars()
        .take(63)
        .collect();
    if host.is_empty() {
        "vm".into()
    } else {
        host
    }
}

/// Checks the request, prepares every VM's record, keys and seed, and starts the work in the background.
pub async fn start(
    env: Arc<LocalEnv>,
    http: reqwest::Client,
    request: &CreateRequest,
    catalog: Vec<images::CatalogImage>,
) -> Result<Vec<VmRecord>> {
    plan(request)?;
    let qemu = qemu_install().await?;
    let image_id = request.image.as_deref().unwrap_or_default();
    let image = catalog.into_iter().find(|i| i.id == image_id).ok_or_else(|| {
        AppError::invalid_input("image", format!("{image_id} is not in the image catalog."))
    })?;
    let (vcpu, ram_gb, disk_gb) = super::host::preset(request.flavor.as_deref().unwrap_or_default())
        .ok_or_else(|| AppError::invalid_input("flavor", "Choose a size."))?;
    let host = super::host::resources(&env.data_dir);
    let cached = images::cached_path(&env.images_dir(), &image.id, &image.url).exists();
    let needed_gb = if cached { 1.0 } else { image.download_mb.unwrap_or(1000) as f64 / 1000.0 + 1.0 };
    if host.free_disk_gb < needed_gb {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "The disk is full: {:.1} GB free where VMDeck keeps VMs and images, {needed_gb:.1} GB needed.",
                host.free_disk_gb
            ),
        )
        .with_detail("free_gb", host.free_disk_gb));
    }
    let ports = ingress_ports(request)?;
    let root = env.vms_dir();
    crate::fsutil::create_private_dir(&root)?;
    let mut records = Vec::new();
    for n in 0..request.count.max(1) {
        let name = if n == 0 {
            request.name.trim().to_owned()
        } else {
            format!("{}-{}", request.name.trim(), n + 1)
        };
        let mut taken = machines::taken_ports(&machines::load_all(&root));
        let mut claim = |from: u16| -> Result<u16> {
            let port = machines::free_port(&taken, from)?;
            taken.push(port);
            Ok(port)
        };
        let ssh_port = claim(10022)?;
        let vnc_port = claim(5900)?;
        let mut forwards = vec![Forward { protocol: "tcp".into(), host_port: ssh_port, guest_port: 22 }];
        for (protocol, guest_port) in &ports {
            let host_port = claim(if *guest_port >= 1024 { *guest_port } else { 20000 + guest_port })?;
            forwards.push(Forward { protocol: protocol.clone(), host_port, guest_port: *guest_port });
        }
        let id = format!("vm-{}", &super::qemu::rand_suffix()[..8]);
        let record = VmRecord {
            id: id.clone(),
            name: name.clone(),
            created: now_iso(),
            image_id: image.id.clone(),
            image_name: image.name.clone(),
            flavor: request.flavor.clone().unwrap_or_default(),
            user: image.user.clone(),
            vcpu,
            ram_mb: (ram_gb * 1024.0) as u64,
            disk_gb: disk_gb.max(image.min_disk_gb.ceil()) as u64,
            ssh_port,
            vnc_port,
            forwards,
            egress_rules: request
                .security_rules
                .iter()
                .filter(|r| r.direction == Direction::Egress)
                .cloned()
                .collect(),
            key_name: String::new(),
            key_generated: false,
            kernel: None,
            initrd: None,
            cmdline: image.cmdline.clone(),
            phase: Phase::Creating,
        };
        let record = match prepare(&env, record, request).await {
            Ok(record) => record,
            Err(err) => {
                // Nothing of this VM may stay: its keys, pin and folder go.
                let files = VmFiles::new(&root, &id);
                remove_traces(&env, &machines::load(&root, &id).unwrap_or_else(|_| placeholder(&id, &name)))
                    .await;
                let _ = std::fs::remove_dir_all(&files.dir);
                return Err(err);
            }
        };
        set_activity(&id, Some(Activity::Creating("waiting to start".into(), None)));
        tokio::spawn(run(env.clone(), http.clone(), record.clone(), image.clone(), qemu.clone()));
        records.push(record);
    }
    Ok(records)
}

fn placeholder(id: &str, name: &str) -> VmRecord {
    VmRecord {
        id: id.into(),
        name: name.into(),
        created: String::new(),
        image_id: String::new(),
        image_name: String::new(),
        flavor: String::new(),
        user: String::new(),
        vcpu: 0,
        ram_mb: 0,
        disk_gb: 0,
        ssh_port: 0,
        vnc_port: 0,
        forwards: Vec::new(),
        egress_rules: Vec::new(),
        key_name: String::new(),
        key_generated: false,
        kernel: None,
        initrd: None,
        cmdline: None,
        phase: Phase::Creating,
    }
}

/// The login key, the host key (pinned in known_hosts) and the seed, before anything boots.
async fn prepare(env: &Arc<LocalEnv>, mut record: VmRecord, request: &CreateRequest) -> Result<VmRecord> {
    let root = env.vms_dir();
    machines::save(&root, &record)?;
    let keys = env.keys.clone();
    let authorized_key = match request.key_pair.as_deref().unwrap_or_default() {
        GENERATE_KEY => {
            let key = seed::generate_key(&format!("vmdeck {}", record.name))?;
            let name = format!("{} (this computer, {})", record.name, record.id);
            let private = key.private_openssh.clone();
            let stored_name = name.clone();
            blocking(move || keys.save(&stored_name, private).map(|_| ())).await?;
            record.key_name = name;
            record.key_generated = true;
            machines::save(&root, &record)?;
            key.public_openssh
        }
        name => {
            let stored = name.to_owned();
            let private = blocking(move || keys.private_key(&stored)).await?;
            record.key_name = name.to_owned();
            seed::public_of(&private)?
        }
    };
    let host_key = seed::generate_key(&format!("vmdeck host {}", record.id))?;
    let input = seed::SeedInput {
        instance_id: &record.id,
        hostname: &hostname_of(&record.name),
        user: &record.user,
        authorized_key: &authorized_key,
        host_key: &host_key,
        user_data: request.user_data.as_deref(),
    };
    let user_data = seed::user_data(&input)?;
    let files = VmFiles::new(&root, &record.id);
    seed::write_seed(&files.seed(), &[("meta-data", &seed::meta_data(&input)), ("user-data", &user_data)])?;
    KnownHosts::new(&env.known_hosts).pin("127.0.0.1", record.ssh_port, &host_key.public_openssh)?;
    Ok(record)
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|err| AppError::internal(format!("task: {err}")))?
}

/// One download of an image at a time, however many VMs wait for it.
static DOWNLOADS: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Default::default);

async fn fetch(
    env: &LocalEnv,
    http: &reqwest::Client,
    record: &VmRecord,
    image: &images::CatalogImage,
    url: &str,
) -> Result<PathBuf> {
    let dest = images::cached_path(&env.images_dir(), &image.id, url);
    let lock = DOWNLOADS.lock().unwrap().entry(dest.clone()).or_default().clone();
    let _guard = lock.lock().await;
    let id = record.id.clone();
    let what = images::file_name(url);
    let report = move |p: images::DownloadProgress| {
        set_activity(&id, Some(Activity::Creating(format!("downloading {what}: {}", p.describe()), Some(p))));
    };
    images::fetch_verified(http, url, &image.checksums, &dest, &report).await?;
    Ok(dest)
}

async fn run(
    env: Arc<LocalEnv>,
    http: reqwest::Client,
    mut record: VmRecord,
    image: images::CatalogImage,
    qemu: super::qemu::QemuInstall,
) {
    let root = env.vms_dir();
    let files = VmFiles::new(&root, &record.id);
    let work = async {
        let base = fetch(&env, &http, &record, &image, &image.url).await?;
        if let (Some(kernel), Some(initrd)) = (&image.kernel, &image.initrd) {
            record.kernel = Some(fetch(&env, &http, &record, &image, kernel).await?);
            record.initrd = Some(fetch(&env, &http, &record, &image, initrd).await?);
        }
        set_activity(&record.id, Some(Activity::Creating("preparing the disk".into(), None)));
        overlay(&qemu.img, &base, &files.disk(), record.disk_gb).await?;
        set_activity(&record.id, Some(Activity::Creating("starting QEMU".into(), None)));
        record.phase = Phase::Ready;
        machines::save(&root, &record)?;
        machines::launch(&record, &files, &qemu).await
    };
    match work.await {
        Ok(()) => {
            set_activity(&record.id, None);
            watch_first_boot(record, files);
        }
        Err(err) => {
            tracing::warn!(vm = %record.id, error = %err.message, "local VM create failed");
            if super::qmp::status(&files.qmp()).await.is_ok() {
                let _ = super::qmp::quit(&files.qmp()).await;
            }
            remove_traces(&env, &record).await;
            record.phase = Phase::Failed { message: err.message.clone() };
            let _ = machines::save(&root, &record);
            set_activity(&record.id, None);
        }
    }
}

/// A qcow2 overlay on the cached base image, grown to the chosen size.
async fn overlay(qemu_img: &str, base: &Path, disk: &Path, disk_gb: u64) -> Result<()> {
    let info = tokio::process::Command::new(qemu_img)
        .args(["info", "--output=json"])
        .arg(base)
        .output()
        .await
        .map_err(|err| AppError::internal(format!("Could not run qemu-img: {err}")))?;
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap_or_default();
    let format = info["format"].as_str().unwrap_or("qcow2").to_owned();
    let virtual_size = info["virtual-size"].as_u64().unwrap_or(0);
    let size = (disk_gb * 1024 * 1024 * 1024).max(virtual_size);
    let out = tokio::process::Command::new(qemu_img)
        .args(["create", "-q", "-f", "qcow2", "-F", &format, "-b"])
        .arg(base)
        .arg(disk)
        .arg(size.to_string())
        .output()
        .await
        .map_err(|err| AppError::internal(format!("Could not run qemu-img: {err}")))?;
    if !out.status.success() {
        return Err(AppError::new(
            ErrorCode::ProviderError,
            format!("qemu-img could not create the disk: {}", String::from_utf8_lossy(&out.stderr).trim()),
        ));
    }
    Ok(())
}

/// Once SSH answers, cloud-init has installed the host key: the seed (which holds its private half) is
/// deleted and later starts boot without it.
pub fn watch_first_boot(record: VmRecord, files: VmFiles) {
    tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + FIRST_BOOT_WAIT;
        while tokio::time::Instant::now() < deadline {
            if ssh_banner(record.ssh_port).await {
                match std::fs::remove_file(files.seed()) {
                    Ok(()) => tracing::info!(vm = %record.id, "first boot done; cloud-init seed deleted"),
                    Err(err) => tracing::warn!(vm = %record.id, %err, "could not delete the cloud-init seed"),
                }
                return;
            }
            if super::qmp::status(&files.qmp()).await.is_err() {
                return; // stopped before it booted: the seed stays for the next start
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
}

/// True when an SSH server greets on 127.0.0.1:port (user-mode networking accepts the connection
/// itself, so only the banner shows the guest's sshd is there).
pub async fn ssh_banner(port: u16) -> bool {
    use tokio::io::AsyncReadExt;
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
        let mut buf = [0u8; 4];
        stream.read_exact(&mut buf).await.ok()?;
        Some(&buf == b"SSH-")
    };
    tokio::time::timeout(Duration::from_secs(3), attempt).await.ok().flatten().unwrap_or(false)
}

/// Removes what a VM leaves outside its record: disk, seed, its known_hosts pin and a key made for it.
pub async fn remove_traces(env: &LocalEnv, record: &VmRecord) {
    let files = VmFiles::new(&env.vms_dir(), &record.id);
    for path in [files.disk(), files.seed(), files.vnc_password()] {
        let _ = std::fs::remove_file(path);
    }
    if record.ssh_port != 0 {
        if let Err(err) = KnownHosts::new(&env.known_hosts).forget("127.0.0.1", record.ssh_port) {
            tracing::warn!(vm = %record.id, error = %err.message, "could not forget the VM's host key");
        }
    }
    if record.key_generated {
        let keys = env.keys.clone();
        let name = record.key_name.clone();
        if let Err(err) = blocking(move || keys.remove(&name).map(|_| ())).await {
            tracing::warn!(vm = %record.id, error = %err.message, "could not remove the VM's key");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_hostnames() {
        assert_eq!(now_iso().len(), 20);
        assert_eq!(hostname_of("Web 1_test!"), "web-1-test");
        assert_eq!(hostname_of("!!!"), "vm");
    }
}
