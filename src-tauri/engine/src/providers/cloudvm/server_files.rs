//! The Cloud VM API server's own configuration files, imported to fill the account form: its
//! `environments.json` (`[{name, cloud, region, …}]`) and `machinetypes.json`
//! (`{<type>: {os: {…}, clouds: {<Cloud>: {instance_type, image}}}}`). The server finds a machine type
//! for an environment by the environment's `cloud` as an exact key of `clouds`
//! (olljanat/cloud-vm-api: internal/config/environments.go, machinetypes.go).

use crate::error::{AppError, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// One environment as the form offers it, with the machine types the server accepts for it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ServerEnvironment {
    pub name: String,
    pub cloud: String,
    pub region: String,
    /// Machine types whose `clouds` has this environment's cloud, sorted.
    pub machine_types: Vec<String>,
}

#[derive(Deserialize)]
struct EnvironmentFile {
    name: String,
    cloud: String,
    #[serde(default)]
    region: String,
}

#[derive(Deserialize)]
struct MachineTypeFile {
    #[serde(default)]
    clouds: BTreeMap<String, serde_json::Value>,
}

/// The largest file VMDeck reads (the server's files are a few KiB).
const MAX_FILE: usize = 1 << 20;

fn parse<T: serde::de::DeserializeOwned>(text: &str, file: &str, shape: &str) -> Result<T> {
    if text.len() > MAX_FILE {
        return Err(AppError::invalid_input(
            file,
            format!("{file} is larger than 1 MiB: is it the right file?"),
        ));
    }
    serde_json::from_str(text).map_err(|err| {
        AppError::new(ErrorCode::InvalidInput, format!("{file} is not the server's file ({shape}): {err}."))
            .with_detail("field", file)
    })
}

/// The environments of `environments.json`, each with the machine types of `machinetypes.json` (when
/// given) that the server accepts for its cloud.
pub fn read(environments: &str, machine_types: Option<&str>) -> Result<Vec<ServerEnvironment>> {
    let envs: Vec<EnvironmentFile> =
        parse(environments, "environments.json", "an array of {name, cloud, region, …}")?;
    let types: BTreeMap<String, MachineTypeFile> = match machine_types {
        Some(text) => parse(text, "machinetypes.json", "an object of {<type>: {os, clouds}}")?,
        None => BTreeMap::new(),
    };
    if envs.is_empty() {
        return Err(AppError::invalid_input("environments.json", "environments.json lists no environment."));
    }
    Ok(envs
        .into_iter()
        .filter(|e| !e.name.trim().is_empty())
        .map(|e| ServerEnvironment {
            machine_types: types
                .iter()
                .filter(|(_, t)| t.clouds.contains_key(&e.cloud))
                .map(|(name, _)| name.clone())
                .collect(),
            name: e.name,
            cloud: e.cloud,
            region: e.region,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fakes/fixtures/cloudvm");

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
    }

    #[test]
    fn each_environment_gets_the_machine_types_of_its_cloud() {
        let envs = read(&fixture("environments.json"), Some(&fixture("machinetypes.json"))).unwrap();
        let names: Vec<_> = envs.iter().map(|e| (e.name.as_str(), e.cloud.as_str())).collect();
        assert_eq!(names, [("aws-test1", "Aws"), ("pve-lab", "Proxmox")]);
        assert_eq!(envs[0].machine_types, ["medium-debian", "small-debian"]);
        assert_eq!(envs[0].region, "eu-west-3");
    }

    #[test]
    fn the_cloud_must_match_exactly_as_the_server_looks_it_up() {
        // The upstream example names one cloud "nutanix" while no machine type lists "nutanix".
        let envs = r#"[{"name": "ntnx", "cloud": "nutanix", "region": "Nutanix/1", "vpc_id": ""},
                      {"name": "az", "cloud": "Azure", "region": "Azure-int/westeurope", "project": "rg"}]"#;
        let types = r#"{"small": {"os": {"os_type": "Linux"}, "clouds": {"Nutanix": {}, "Azure": {"instance_type": "Standard_B1s", "image": "x"}}}}"#;
        let read = read(envs, Some(types)).unwrap();
        assert!(read[0].machine_types.is_empty(), "no type for the lowercase cloud");
        assert_eq!(read[1].machine_types, ["small"]);
        // Without machinetypes.json the environments still come.
        assert_eq!(super::read(envs, None).unwrap().len(), 2);
    }

    #[test]
    fn a_file_of_another_shape_names_the_file() {
        let types = fixture("machinetypes.json");
        let swapped = read(&types, Some(&fixture("environments.json"))).unwrap_err();
        assert_eq!(swapped.details.as_ref().unwrap()["field"], "environments.json", "{swapped:?}");
        assert!(swapped.message.contains("not the server's file"), "{}", swapped.message);
        assert!(read("[]", None).is_err());
        assert!(read("not json", None).is_err());
    }
}
