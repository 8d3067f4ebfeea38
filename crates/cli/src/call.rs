//! `salt-rs-call FUNCTION [ARGS...]`: run an execution module on this host
//! and print the result under `local:`, like `salt-call`. Masterless: files
//! (`cp.*`, SLS files) come from `file_roots` of the minion config, or from
//! `--file-root DIR` (which, as in salt-call, makes DIR the only root of
//! `base`); the pillar is compiled here from `pillar_roots`, or
//! `--pillar-root DIR`. No config file is needed: without one the
//! defaults apply, and a non-root user's cache goes under
//! `$XDG_CACHE_HOME/salt-rs` (or `~/.cache/salt-rs`) when the default cache
//! directory is not writable. Without `--local` it runs the same way (a
//! master-backed salt-rs-call is not there yet).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use salt_exec::Ctx;
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
    /// Set this directory as the base pillar root.
    #[arg(long = "pillar-root", value_name = "DIR")]
    pub pillar_root: Option<PathBuf>,
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
    let cachedir = local_cachedir(&cfg);
    let files = file_client(&cfg, a.file_root.as_deref(), &cachedir)?;
    let mut opts = cfg.opts(id.as_str());
    opts.insert(
        "cachedir".into(),
        Value::from(cachedir.display().to_string()),
    );
    opts.insert("local".into(), Value::Bool(true));
    opts.insert("file_client".into(), Value::from("local"));
    let pillar_source = salt_exec::pillar_host::LocalPillar {
        config: pillar_config(&cfg, a.pillar_root.as_deref())?,
        id: id.clone(),
        grains: grains.clone(),
    };
    // salt-call compiles the pillar once at start (pillar.get reads it);
    // state runs and pillar.items compile it again.
    let pillar = pillar_source.compile(Default::default()).await?;
    let cx = Ctx {
        files: Some(files),
        cancel,
        pillar: Arc::new(pillar),
        pillar_source: Some(Arc::new(pillar_source)),
        opts: Arc::new(opts),
        ..Ctx::local(id, Arc::new(grains))
    };
    let res = match salt_exec::parse_call(&a.function, args, kwargs) {
        Ok(call) => match call.call_cli(&cx).await {
            Ok(res) => res,
            // salt-call: a CommandExecutionError is a message on stderr
            // and exit code 1, with or without --retcode-passthrough.
            Err(e) => {
                eprintln!("Error running '{}': {}", a.function, e.message());
                return Ok(1);
            }
        },
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
    opts.highstate = a
        .output
        .highstate(&crate::publish::StateOutputConfig::from(&cfg))?;
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
/// The minion's cache directory, or a per-user one when that is not
/// writable (a non-root `salt-rs-call --local` without any config).
fn local_cachedir(cfg: &salt_config::MinionConfig) -> PathBuf {
    let dir = cfg.cachedir();
    if nix::unistd::getuid().is_root() || writable(&dir) {
        return dir;
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("salt-rs").join("minion")
}

/// Whether `dir` (or the first of its ancestors that exists) can be
/// written by this user.
fn writable(dir: &std::path::Path) -> bool {
    let mut d = Some(dir);
    while let Some(p) = d {
        if p.exists() {
            return nix::unistd::access(p, nix::unistd::AccessFlags::W_OK).is_ok();
        }
        d = p.parent();
    }
    false
}

/// The pillar compiler's settings from the minion config (`pillar_roots`,
/// or `--pillar-root DIR` as the only root of `base`).
fn pillar_config(
    cfg: &salt_config::MinionConfig,
    pillar_root: Option<&std::path::Path>,
) -> Result<salt_pillar::PillarConfig, String> {
    let roots = match pillar_root {
        Some(dir) => {
            let dir = std::path::absolute(dir)
                .map_err(|e| format!("--pillar-root {}: {e}", dir.display()))?;
            indexmap::IndexMap::from([("base".to_owned(), vec![dir])])
        }
        None => cfg.pillar_roots.clone(),
    };
    Ok(salt_pillar::PillarConfig {
        pillar_roots: roots,
        state_top: cfg.state_top.clone(),
        renderer: cfg.renderer.clone(),
        merge_strategy: cfg.pillar_source_merging_strategy.clone(),
        merge_lists: cfg.pillar_merge_lists,
        includes_override_sls: cfg.pillar_includes_override_sls,
        safe_render_error: cfg.pillar_safe_render_error,
        pillarenv: cfg.pillarenv.clone(),
        pillarenv_from_saltenv: cfg.pillarenv_from_saltenv,
        nodegroups: Default::default(),
        opts: Map::new(),
    })
}

fn file_client(
    cfg: &salt_config::MinionConfig,
    file_root: Option<&std::path::Path>,
    cachedir: &std::path::Path,
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
        cachedir.to_owned(),
    ))
}
