//! `salt-rs-call FUNCTION [ARGS...]`: run an execution module on this host
//! and print the result under `local:`, like `salt-call`. With `--local`
//! (masterless) nothing is asked of a master; the modules available so far
//! need nothing from it, so both modes run locally today. Files (`cp.*`)
//! come from `file_roots` of the minion config, or from `--file-root DIR`
//! (which, as in salt-call, makes DIR the only root of `base`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use salt_exec::{Ctx, JobTable};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use crate::publish::OutputFlags;

#[derive(Parser, Debug)]
#[command(
    name = "salt-rs-call",
    version,
    about = "Run an execution module on this host.",
    after_help = "Example: salt-rs-call --local test.ping"
)]
pub struct CallArgs {
    /// Configuration directory (the minion's).
    #[arg(short = 'c', long = "config-dir", default_value = "/etc/salt-rs")]
    pub config_dir: PathBuf,
    /// Run masterless.
    #[arg(long = "local")]
    pub local: bool,
    /// Exit with the function's retcode.
    #[arg(long = "retcode-passthrough")]
    pub retcode_passthrough: bool,
    /// Console log level.
    #[arg(short = 'l', long = "log-level", default_value = "warning")]
    pub log_level: String,
    /// Use this minion id instead of the configured one.
    #[arg(long = "id")]
    pub id: Option<String>,
    /// Set this directory as the base file root.
    #[arg(long = "file-root", value_name = "DIR")]
    pub file_root: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputFlags,
    /// The function to run, e.g. test.ping.
    pub function: String,
    /// Arguments: positional values (YAML-typed) and key=value keyword arguments.
    #[arg(allow_negative_numbers = true)]
    pub args: Vec<String>,
}

pub fn main() -> ExitCode {
    let a = CallArgs::parse();
    let level = a.log_level.clone();
    crate::run_command("salt-rs-call", &level, 1, run(a))
}

async fn run(a: CallArgs) -> Result<u8, String> {
    let loaded = salt_config::load_minion(&a.config_dir).map_err(|e| e.to_string())?;
    let mut cfg = loaded.config;
    if let Some(id) = &a.id {
        cfg.id = Some(id.clone());
    }
    let id = cfg
        .resolve_id(salt_grains::fqdn)
        .map_err(|e| e.to_string())?;
    let grains = salt_grains::collect(&salt_grains::GrainsOptions {
        id: id.to_string(),
        config_dir: cfg.config_dir.clone(),
        static_grains: cfg.grains.clone(),
    });
    let (args, kwargs) = salt_exec::parse_cli_args(&a.args).map_err(|e| e.to_string())?;
    let cancel = CancellationToken::new();
    let c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            c.cancel();
        }
    });
    let files = file_client(&cfg, a.file_root.as_deref())?;
    let cx = Ctx {
        files: Some(files),
        events: None,
        master: None,
        pillar_cell: None,
        id,
        grains: Arc::new(grains),
        jid: None,
        jobs: Arc::new(JobTable::new()),
        cancel,
        pillar: Default::default(),
        pillar_source: None,
    };
    let res = match salt_exec::parse_call(&a.function, args, kwargs) {
        Ok(call) => call.call(&cx).await,
        Err(e) => {
            let unavailable = matches!(e, salt_exec::ExecError::NotAvailable(_));
            let res = e.into_result();
            // Like salt-call: an unknown function that is no prefix of known
            // ones (whose docs would be shown instead) is a message on
            // stderr and exit code 255, even with --retcode-passthrough.
            if unavailable && let Value::String(msg) = &res.ret {
                eprintln!("{msg}");
                return Ok(255);
            }
            res
        }
    };
    let fmt = a
        .output
        .format(crate::publish::default_format(&a.function))?;
    let mut opts = a.output.options(true);
    opts.highstate = a.output.highstate(&crate::publish::StateOutputConfig {
        state_output: cfg.state_output.clone(),
        state_verbose: cfg.state_verbose,
        state_output_diff: cfg.state_output_diff,
    })?;
    let mut data = Map::new();
    data.insert("local".into(), res.ret);
    let text = salt_output::render_all_retcode(fmt, &Value::Object(data), res.retcode, &opts);
    let mut out = a.output.sink()?;
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    if a.retcode_passthrough {
        return Ok(u8::try_from(res.retcode.clamp(0, 255)).unwrap_or(1));
    }
    Ok(if res.success { 0 } else { 1 })
}

use std::io::Write;

/// The file client of a local call: `file_roots` (or `--file-root`) served
/// in-process, cached under the minion's `cachedir`.
fn file_client(
    cfg: &salt_config::MinionConfig,
    file_root: Option<&std::path::Path>,
) -> Result<salt_fileserver::FileClient, String> {
    let roots = match file_root {
        Some(dir) => {
            let dir = std::path::absolute(dir)
                .map_err(|e| format!("--file-root {}: {e}", dir.display()))?;
            indexmap::IndexMap::from([("base".to_owned(), vec![dir])])
        }
        None => cfg.file_roots.clone(),
    };
    let server = salt_fileserver::FileServer::from_config(&roots).map_err(|e| e.to_string())?;
    Ok(salt_fileserver::FileClient::local(
        Arc::new(server),
        cfg.cachedir(),
    ))
}
