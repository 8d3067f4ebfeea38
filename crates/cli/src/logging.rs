//! Logging setup shared by the daemons and commands: Salt's level names
//! (`-l debug|info|warning|error|critical|quiet`, `log_level` in config) on
//! tracing, to stderr (systemd's journal picks it up) and optionally a file.

use std::path::Path;

use tracing_subscriber::EnvFilter;

/// Maps a Salt log level name to a tracing filter directive.
pub fn directive(level: &str) -> Result<&'static str, String> {
    Ok(match level.to_ascii_lowercase().as_str() {
        "all" | "garbage" | "trace" => "trace",
        "debug" | "profile" => "debug",
        "info" => "info",
        "warning" | "warn" => "warn",
        "error" | "critical" => "error",
        "quiet" => "off",
        other => {
            return Err(format!(
                "invalid log level {other:?}: use one of all, garbage, trace, debug, profile, info, warning, error, critical, quiet"
            ));
        }
    })
}

/// Installs the global subscriber. `SALT_RS_LOG` (an EnvFilter string)
/// overrides the level when set.
pub fn init(level: &str, file: Option<&Path>) -> Result<(), String> {
    let filter = match std::env::var("SALT_RS_LOG") {
        Ok(s) if !s.is_empty() => EnvFilter::try_new(s).map_err(|e| e.to_string())?,
        _ => EnvFilter::new(directive(level)?),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match file {
        Some(path) => {
            if let Some(d) = path.parent() {
                let _ = std::fs::create_dir_all(d);
            }
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
            builder
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(f))
                .try_init()
                .map_err(|e| e.to_string())
        }
        None => builder
            .with_writer(std::io::stderr)
            .try_init()
            .map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salt_level_names() {
        assert_eq!(directive("warning").unwrap(), "warn");
        assert_eq!(directive("CRITICAL").unwrap(), "error");
        assert!(directive("loud").unwrap_err().contains("loud"));
    }
}
