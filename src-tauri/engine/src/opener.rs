//! Opens a web link from a terminal in the system browser (xdg-open, open, or `start`). Only http(s)
//! URLs are passed on, as one argument, never through a shell.

use crate::error::{AppError, Result};

/// The URL if it is a plain http(s) link, else why not.
pub fn checked_link(url: &str) -> Result<String> {
    let parsed = reqwest::Url::parse(url.trim())
        .map_err(|_| AppError::invalid_input("url", format!("\u{201c}{url}\u{201d} is not a link.")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(AppError::invalid_input("url", "Only http and https links are opened."));
    }
    Ok(parsed.to_string())
}

/// The program and arguments that open `url` in the default browser on this platform.
pub fn command_for(url: &str) -> (String, Vec<String>) {
    if cfg!(target_os = "macos") {
        ("open".into(), vec![url.into()])
    } else if cfg!(target_os = "windows") {
        // rundll32's FileProtocolHandler opens the URL without cmd.exe parsing it.
        ("rundll32".into(), vec!["url.dll,FileProtocolHandler".into(), url.into()])
    } else {
        ("xdg-open".into(), vec![url.into()])
    }
}

pub fn open_in_browser(url: &str) -> Result<()> {
    let url = checked_link(url)?;
    let (program, args) = command_for(&url);
    std::process::Command::new(&program)
        .args(&args)
        .spawn()
        .map(drop)
        .map_err(|err| AppError::internal(format!("Could not start {program} to open the link: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_links_are_opened_and_passed_as_one_argument() {
        assert_eq!(checked_link("https://example.com/a b").unwrap(), "https://example.com/a%20b");
        assert_eq!(checked_link("file:///etc/passwd").unwrap_err().code, crate::ErrorCode::InvalidInput);
        assert_eq!(checked_link("javascript:alert(1)").unwrap_err().code, crate::ErrorCode::InvalidInput);
        assert!(checked_link("not a url").is_err());
        let (_, args) = command_for("https://example.com/?q=1&x=$(id)");
        assert_eq!(args.last().unwrap(), "https://example.com/?q=1&x=$(id)", "one argument, no shell");
    }
}
