//! Shared plumbing for the salt-rs binaries: logging, the local client that
//! talks to the master's Unix socket, and one module per command. Each
//! binary in `src/bin/` only calls the command's `main`.

#![forbid(unsafe_code)]

pub mod call;
pub mod client;
pub mod daemon;
pub mod event;
pub mod key;
pub mod logging;
pub mod publish;
pub mod run;
pub mod salt;

/// Runs a command's async body on a current-thread runtime after setting up
/// logging. The body returns the exit code, or an error that is printed as
/// `ERROR: ...` and exits with `error_code` (Salt's codes differ per command).
pub fn run_command<F>(
    name: &str,
    log_level: &str,
    error_code: u8,
    body: F,
) -> std::process::ExitCode
where
    F: std::future::Future<Output = Result<u8, String>>,
{
    use std::process::ExitCode;
    if let Err(e) = logging::init(log_level, None) {
        eprintln!("{name}: {e}");
        return ExitCode::from(2);
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(body) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("ERROR: {e}");
            ExitCode::from(error_code)
        }
    }
}
