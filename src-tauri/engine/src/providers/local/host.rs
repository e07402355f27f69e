//! This computer's resources, and the VM sizes they allow.

use crate::model::{Flavor, Price};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostResources {
    pub cores: u32,
    pub memory_gb: f64,
    /// Free space where VM disks live.
    pub free_disk_gb: f64,
}

const GB: f64 = 1_000_000_000.0;

pub fn resources(data_dir: &Path) -> HostResources {
    let cores = std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1);
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    let disks = sysinfo::Disks::new_with_refreshed_list();
    let free = disks
        .list()
        .iter()
        .filter(|d| data_dir.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().as_os_str().len())
        .map(|d| d.available_space());
    HostResources {
        cores,
        memory_gb: system.total_memory() as f64 / GB,
        free_disk_gb: free.map_or(f64::INFINITY, |b| b as f64 / GB),
    }
}

/// The presets, as (id, vCPU, RAM GB, disk GB).
const PRESETS: [(&str, u32, f64, f64); 4] =
    [("small", 1, 1.0, 10.0), ("medium", 2, 2.0, 20.0), ("large", 4, 4.0, 40.0), ("xlarge", 8, 8.0, 80.0)];

/// The presets this machine can run: at most all its cores, at most half its memory (the host keeps
/// the rest), and a disk that fits in its free space (an overlay only grows as the guest writes, but a
/// full host disk would stop the VM). A size that does not fit is listed as unavailable.
pub fn flavors(host: &HostResources) -> Vec<Flavor> {
    PRESETS
        .iter()
        .map(|&(id, vcpu, ram_gb, disk_gb)| {
            let fits = vcpu <= host.cores && ram_gb <= host.memory_gb / 2.0 && disk_gb <= host.free_disk_gb;
            Flavor {
                id: id.to_owned(),
                name: format!("{} · {vcpu} vCPU · {ram_gb} GB RAM · {disk_gb} GB disk", title(id)),
                region: None,
                vcpu: Some(vcpu),
                ram_gb: Some(ram_gb),
                disk_gb: Some(disk_gb),
                gpu: None,
                gpu_count: 0,
                price: Some(Price {
                    per_hour: Some(0.0),
                    per_month: Some(0.0),
                    currency: None,
                    as_given: Some("free: runs on this computer".into()),
                }),
                available: fits,
            }
        })
        .collect()
}

fn title(id: &str) -> String {
    let mut chars = id.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

/// A preset by id.
pub fn preset(id: &str) -> Option<(u32, f64, f64)> {
    PRESETS.iter().find(|p| p.0 == id).map(|&(_, c, r, d)| (c, r, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_bounded_by_cores_memory_and_disk() {
        let host = HostResources { cores: 2, memory_gb: 8.0, free_disk_gb: 30.0 };
        let available: Vec<String> =
            flavors(&host).into_iter().filter(|f| f.available).map(|f| f.id).collect();
        assert_eq!(available, ["small", "medium"]);
        let tiny = HostResources { cores: 8, memory_gb: 64.0, free_disk_gb: 15.0 };
        assert_eq!(flavors(&tiny).iter().filter(|f| f.available).count(), 1, "disk bounds too");
    }

    #[test]
    fn this_machine_has_resources() {
        let host = resources(&std::env::temp_dir());
        assert!(host.cores >= 1 && host.memory_gb > 0.1 && host.free_disk_gb > 0.0, "{host:?}");
    }
}
