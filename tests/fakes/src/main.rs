//! Runs the fake clouds and Vault until Ctrl-C, for trying the app by hand against them:
//! `cargo run -p vmdeck-fakes -- --print-ports [--step-ms 400] [--images test-output/guest]`.

use std::time::Duration;
use vmdeck_fakes::{FakeCloud, Options};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut options = Options::default();
    let mut print_ports = false;
    let mut images_dir = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--print-ports" => print_ports = true,
            "--images" => images_dir = Some(args.next().ok_or("--images needs a folder")?),
            "--step-ms" => {
                let ms: u64 = args.next().ok_or("--step-ms needs a number")?.parse()?;
                options.step = Duration::from_millis(ms);
            }
            other => {
                return Err(format!(
                    "unknown argument {other}; use --print-ports, --step-ms N and --images DIR"
                )
                .into())
            }
        }
    }
    let cloud = FakeCloud::start(options).await?;
    // The local-VM image mirror, when asked for: serves the folder `.ci/guest-image` wrote.
    let images = match images_dir {
        Some(dir) => Some(vmdeck_fakes::images::ImageServer::start(dir.into()).await?),
        None => None,
    };
    if print_ports {
        // One JSON line: the ports, and the credentials the fakes accept (for the E2E suite).
        let mut line = serde_json::to_value(cloud.ports())?;
        line["credentials"] = vmdeck_fakes::credentials::as_json();
        if let Some(images) = &images {
            line["images"] = images.port.into();
        }
        println!("{line}");
    } else {
        let p = cloud.ports();
        println!("enclaive   http://127.0.0.1:{}", p.enclaive);
        println!("hyperstack http://127.0.0.1:{}/v1", p.hyperstack);
        println!("lunanode   http://127.0.0.1:{}/api", p.lunanode);
        println!("cloudvm    http://127.0.0.1:{}", p.cloudvm);
        println!("vault      http://127.0.0.1:{}", p.vault);
    }
    tokio::signal::ctrl_c().await?;
    Ok(())
}
