//! `salt-rs-master` and `salt-rs-minion`: read the config, set up logging,
//! run the daemon library until SIGTERM/SIGINT.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tokio_util::sync::CancellationToken;

#[derive(Parser, Debug)]
pub struct DaemonArgs {
    /// Configuration directory (reads `master` or `minion` in it).
    #[arg(short = 'c', long = "config-dir", default_value = "/etc/salt-rs")]
    pub config_dir: PathBuf,
    /// Console log level: all, garbage, trace, debug, info, warning, error, critical, quiet.
    #[arg(short = 'l', long = "log-level")]
    pub log_level: Option<String>,
    /// Log file level (accepted for Salt compatibility; the file gets the same level).
    #[arg(long = "log-file-level")]
    pub log_file_level: Option<String>,
    /// Run in the background (prefer systemd's Type=simple and no -d).
    #[arg(short = 'd', long = "daemon")]
    pub daemon: bool,
}

fn shutdown_on_signals() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        t.cancel();
    });
    token
}

pub fn master_main() -> ExitCode {
    let args = DaemonArgs::parse();
    let loaded = match salt_config::load_master(&args.config_dir) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("salt-rs-master: {e}");
            return ExitCode::from(78);
        }
    };
    let cfg = loaded.config;
    let (level, log) = (cfg.log_level.clone(), cfg.log_path());
    if let Err(e) = setup(&args, &level, &log, &loaded.warnings) {
        eprintln!("salt-rs-master: {e}");
        return ExitCode::from(78);
    }
    run_async(
        async move { salt_master::run(cfg, shutdown_on_signals()).await },
        "salt-rs-master",
        Threads::Two,
    )
}

pub fn minion_main() -> ExitCode {
    let args = DaemonArgs::parse();
    let loaded = match salt_config::load_minion(&args.config_dir) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("salt-rs-minion: {e}");
            return ExitCode::from(78);
        }
    };
    let cfg = loaded.config;
    let (level, log) = (cfg.log_level.clone(), cfg.log_path());
    if let Err(e) = setup(&args, &level, &log, &loaded.warnings) {
        eprintln!("salt-rs-minion: {e}");
        return ExitCode::from(78);
    }
    run_async(
        async move { salt_minion::run(cfg, shutdown_on_signals()).await },
        "salt-rs-minion",
        Threads::One,
    )
}

/// Daemonizes when asked (logging then goes to the config's log file),
/// installs logging, reports config warnings.
fn setup(
    args: &DaemonArgs,
    cfg_level: &str,
    log_file: &std::path::Path,
    warnings: &[String],
) -> Result<(), String> {
    let level = args.log_level.as_deref().unwrap_or(cfg_level);
    crate::logging::directive(level)?;
    if args.daemon {
        nix::unistd::daemon(true, false).map_err(|e| format!("cannot daemonize: {e}"))?;
    }
    crate::logging::init(level, args.daemon.then_some(log_file))?;
    for w in warnings {
        tracing::warn!("{w}");
    }
    Ok(())
}

/// How many threads a daemon's own runtime gets (zeromq runs on its own
/// small runtime inside salt-transport). The minion is idle nearly always
/// and its jobs are child processes or short async work, so one thread is
/// enough and keeps its memory small; the master verifies signatures for
/// the whole fleet and gets two.
enum Threads {
    One,
    Two,
}

fn run_async<F: std::future::Future<Output = anyhow::Result<()>>>(
    f: F,
    name: &str,
    threads: Threads,
) -> ExitCode {
    let built = match threads {
        Threads::One => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Threads::Two => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
    };
    let rt = match built {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{name}: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(f) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("{name}: {e:#}");
            ExitCode::FAILURE
        }
    }
}
