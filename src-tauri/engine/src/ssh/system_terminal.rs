//! "Open in system terminal": OpenSSH's `ssh` in the platform's terminal, for users who prefer it.

use crate::error::{AppError, ErrorCode, Result};

/// Host and user end up inside a shell or AppleScript command line: only characters that need no quoting.
fn checked<'a>(field: &str, value: &'a str) -> Result<&'a str> {
    let ok = !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "._-:@[]".contains(c));
    if ok {
        Ok(value)
    } else {
        Err(AppError::invalid_input(
            field,
            format!("\u{201c}{value}\u{201d} cannot be passed to a terminal safely."),
        ))
    }
}

/// The commands to try, in order, to run `ssh -p port user@host` in a terminal window of this platform.
pub fn candidates(host: &str, port: u16, user: &str) -> Result<Vec<Vec<String>>> {
    let target = format!("{}@{}", checked("user", user)?, checked("host", host)?);
    let ssh = ["ssh".to_owned(), "-p".to_owned(), port.to_string(), target];
    let with = |prefix: &[&str]| {
        prefix.iter().map(|s| (*s).to_owned()).chain(ssh.iter().cloned()).collect::<Vec<_>>()
    };
    Ok(if cfg!(target_os = "macos") {
        let line = ssh.join(" ");
        vec![vec![
            "osascript".into(),
            "-e".into(),
            format!("tell application \"Terminal\" to do script \"{line}\""),
            "-e".into(),
            "tell application \"Terminal\" to activate".into(),
        ]]
    } else if cfg!(target_os = "windows") {
        // `start` opens a new console window for ssh.
        vec![with(&["wt.exe"]), with(&["cmd.exe", "/c", "start"])]
    } else {
        vec![
            with(&["x-terminal-emulator", "-e"]),
            with(&["gnome-terminal", "--"]),
            with(&["konsole", "-e"]),
            with(&["xterm", "-e"]),
        ]
    })
}

/// Starts the first terminal that exists; VMDeck does not wait for it.
pub fn open(host: &str, port: u16, user: &str) -> Result<()> {
    for command in candidates(host, port, user)? {
        match std::process::Command::new(&command[0]).args(&command[1..]).spawn() {
            Ok(_) => return Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(AppError::internal(format!("Could not start {}: {err}", command[0]))),
        }
    }
    Err(AppError::new(
        ErrorCode::Unsupported,
        "No terminal program was found (tried x-terminal-emulator, gnome-terminal, konsole, xterm).",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_an_ssh_command_line_for_this_platform() {
        let commands = candidates("203.0.113.5", 2222, "ubuntu").unwrap();
        let first = commands[0].join(" ");
        assert!(first.contains("ssh -p 2222 ubuntu@203.0.113.5"), "{first}");
        if cfg!(target_os = "linux") {
            assert_eq!(commands[0][0], "x-terminal-emulator");
            assert_eq!(commands.len(), 4);
        }
    }

    #[test]
    fn refuses_values_that_would_need_quoting() {
        for (host, user) in [("h; rm -rf ~", "u"), ("h", "u\"x"), ("h", ""), ("$(id)", "u")] {
            assert_eq!(
                candidates(host, 22, user).unwrap_err().code,
                ErrorCode::InvalidInput,
                "{host} {user}"
            );
        }
        assert!(candidates("[2001:db8::1]", 22, "root").is_ok(), "IPv6 literals are fine");
    }
}
