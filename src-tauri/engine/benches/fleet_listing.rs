//! Lists 10 accounts × 200 VMs concurrently and prints the wall time beside the slowest single account
//! (goal: within 1.2×) and the peak memory of this process. The fakes run as separate `fake-cloud`
//! processes so their memory is not counted. Run it with `.ci/bench-fleet`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vmdeck_engine::fleet::list_all;
use vmdeck_engine::providers::cloudvm::CloudVm;
use vmdeck_engine::providers::enclaive::{Enclaive, EnclaiveAuth, EnclaiveScope};
use vmdeck_engine::providers::hyperstack::Hyperstack;
use vmdeck_engine::providers::lunanode::Lunanode;
use vmdeck_engine::providers::Provider;
use vmdeck_engine::Secret;
use vmdeck_fakes::credentials::*;
use vmdeck_fakes::enclaive::{PROJECT_ID, TEAM_ID};

const ACCOUNTS: usize = 10;
const VMS: usize = 200;
const RUNS: usize = 7;

struct Fakes(Vec<Child>);

impl Drop for Fakes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn fake_cloud_binary() -> std::path::PathBuf {
    if let Some(path) = std::env::var_os("VMDECK_FAKE_CLOUD") {
        return path.into();
    }
    // target/<profile>/deps/fleet_listing-… → target/<profile>/fake-cloud
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("fake-cloud")
}

fn start_fakes(count: usize) -> (Fakes, Vec<serde_json::Value>) {
    let binary = fake_cloud_binary();
    let mut children = Vec::new();
    let mut ports = Vec::new();
    for _ in 0..count {
        let mut child = Command::new(&binary)
            .args(["--print-ports"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| {
                panic!("{}: {err}; build it with `cargo build --release -p vmdeck-fakes`", binary.display())
            });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        ports.push(serde_json::from_str(&line).unwrap());
        children.push(child);
    }
    (Fakes(children), ports)
}

async fn seed(port: u64, already: usize) {
    let url = format!("http://127.0.0.1:{port}/__fake/machines/seed");
    let response = reqwest::Client::new()
        .post(url)
        .json(&serde_json::json!({"count": VMS - already}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

async fn accounts(ports: &[serde_json::Value]) -> Vec<(String, Arc<dyn Provider>)> {
    let mut accounts: Vec<(String, Arc<dyn Provider>)> = Vec::new();
    for (i, p) in ports.iter().enumerate() {
        let port = |name: &str| p[name].as_u64().unwrap();
        seed(port("hyperstack"), 0).await;
        seed(port("lunanode"), 1).await;
        seed(port("enclaive"), 1).await;
        seed(port("cloudvm"), 0).await;
        let hyperstack = Hyperstack::new(
            &format!("http://127.0.0.1:{}/v1", port("hyperstack")),
            Secret::new(HYPERSTACK_API_KEY),
        )
        .unwrap();
        let lunanode = Lunanode::new(
            &format!("http://127.0.0.1:{}", port("lunanode")),
            LUNANODE_API_ID,
            Secret::new(LUNANODE_API_KEY),
        )
        .unwrap();
        let scope = EnclaiveScope { team_id: TEAM_ID.into(), project_id: PROJECT_ID.into() };
        let auth =
            EnclaiveAuth::Login { email: ENCLAIVE_EMAIL.into(), password: Secret::new(ENCLAIVE_PASSWORD) };
        let enclaive = Enclaive::new(&format!("http://127.0.0.1:{}", port("enclaive")), scope, auth).unwrap();
        let types = vec!["small-debian".to_owned()];
        let cloudvm = CloudVm::new(
            &format!("http://127.0.0.1:{}", port("cloudvm")),
            "aws-test1",
            types,
            CLOUDVM_ACCESS,
            &Secret::new(CLOUDVM_SECRET),
        )
        .unwrap();
        accounts.push((format!("hyperstack-{i}"), Arc::new(hyperstack)));
        accounts.push((format!("lunanode-{i}"), Arc::new(lunanode)));
        accounts.push((format!("enclaive-{i}"), Arc::new(enclaive)));
        accounts.push((format!("cloudvm-{i}"), Arc::new(cloudvm)));
    }
    accounts.truncate(ACCOUNTS);
    accounts
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn add_latency(ports: &[serde_json::Value], ms: u64) {
    let client = reqwest::Client::new();
    for p in ports {
        for name in ["hyperstack", "lunanode", "enclaive", "cloudvm"] {
            let url = format!("http://127.0.0.1:{}/__fake/faults", p[name]);
            let rule = serde_json::json!({"path_prefix": "/", "fault": {"kind": "latency", "ms": ms}});
            assert_eq!(client.post(url).json(&rule).send().await.unwrap().status(), 204);
        }
    }
}

/// Median time of each account alone, then of all at once; prints both and returns the ratio.
async fn measure(title: &str, accounts: &[(String, Arc<dyn Provider>)]) -> f64 {
    println!("\n== {title}");
    println!("{:<14} {:>12}", "account", "median list");
    let mut slowest = Duration::ZERO;
    let mut sequential = Duration::ZERO;
    for (id, provider) in accounts {
        let mut samples = Vec::new();
        for _ in 0..RUNS {
            let started = Instant::now();
            provider.list_vms().await.unwrap();
            samples.push(started.elapsed());
        }
        let m = median(samples);
        println!("{id:<14} {:>9.2} ms", m.as_secs_f64() * 1e3);
        slowest = slowest.max(m);
        sequential += m;
    }
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let listings = list_all(accounts).await;
        samples.push(started.elapsed());
        assert_eq!(listings.iter().map(|l| l.vms.len()).sum::<usize>(), ACCOUNTS * VMS);
    }
    let all = median(samples);
    let ratio = all.as_secs_f64() / slowest.as_secs_f64();
    println!("{ACCOUNTS} accounts × {VMS} VMs, median of {RUNS} runs");
    println!("  slowest single account : {:>8.2} ms", slowest.as_secs_f64() * 1e3);
    println!(
        "  all accounts at once   : {:>8.2} ms   ({ratio:.2}× the slowest; goal ≤ 1.20×)",
        all.as_secs_f64() * 1e3
    );
    println!("  one after the other    : {:>8.2} ms   (for reference)", sequential.as_secs_f64() * 1e3);
    ratio
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; this harness takes no options.
    let (_fakes, ports) = start_fakes(ACCOUNTS.div_ceil(4));
    let accounts = accounts(&ports).await;

    // Warm-up: connections, the enclaive logins, and a check that every account lists its 200 VMs.
    for listing in list_all(&accounts).await {
        assert!(listing.error.is_none(), "{}: {:?}", listing.account_id, listing.error);
        assert_eq!(listing.vms.len(), VMS, "{}", listing.account_id);
    }
    let local =
        measure("fakes answering at once (server and client share this machine's cores)", &accounts).await;
    add_latency(&ports, 150).await;
    let remote = measure("fakes answering after 150 ms, as a remote API does", &accounts).await;
    println!();
    println!("ratio all/slowest: {local:.2}× local, {remote:.2}× with API latency (goal ≤ 1.20×)");
    match peak_rss_kib() {
        Some(kib) => println!(
            "peak memory (VmHWM): {:.1} MiB (this process; the fakes run apart)",
            kib as f64 / 1024.0
        ),
        None => println!("peak memory: not available on this platform"),
    }
}
