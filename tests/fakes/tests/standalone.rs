//! `fake-cloud --print-ports` starts every fake and prints where they listen, for manual tries.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn prints_the_ports_and_serves_on_them() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-cloud"))
        .args(["--print-ports", "--step-ms", "50"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let ports: serde_json::Value = serde_json::from_str(&line).expect(&line);
    let vault = ports["vault"].as_u64().unwrap();
    // The Vault fake answers only the OIDC sign-in (a real OpenBao serves everything else).
    let oidc = std::process::Command::new("curl")
        .args([
            "-s",
            "-X",
            "POST",
            "-d",
            r#"{"role": "vmdeck", "redirect_uri": "http://localhost:8250/oidc/callback"}"#,
        ])
        .arg(format!("http://127.0.0.1:{vault}/v1/auth/oidc/oidc/auth_url"))
        .output();
    child.kill().unwrap();
    child.wait().unwrap();
    for name in ["enclaive", "hyperstack", "lunanode", "cloudvm", "vault"] {
        assert!(ports[name].as_u64().unwrap() > 0, "{name}");
    }
    // curl is a test peer only where it exists; the port check above stands either way.
    if let Ok(output) = oidc {
        let body: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(body["data"]["auth_url"].as_str().unwrap().contains("/__fake/vault/idp/authorize"), "{body}");
    }
}
