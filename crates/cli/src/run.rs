//! `salt-rs-run FUNCTION [ARGS...]`: run a master-side function (a runner,
//! e.g. `jobs.lookup_jid JID`) through the master's local socket and print
//! its return with the outputters, like `salt-run`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use salt_output::Format;
use salt_proto::messages::{ClientReply, ClientRequest};
use serde_json::Value;

use crate::client::Client;
use crate::publish::OutputFlags;

#[derive(Parser, Debug)]
#[command(
    name = "salt-rs-run",
    version,
    about = "Run a function on the master (a runner).",
    after_help = "Example: salt-rs-run jobs.lookup_jid 20261121210508967619"
)]
pub struct RunArgs {
    /// Configuration directory (the master's).
    #[arg(short = 'c', long = "config-dir", default_value = "/etc/salt-rs")]
    pub config_dir: PathBuf,
    /// Console log level.
    #[arg(short = 'l', long = "log-level", default_value = "warning")]
    pub log_level: String,
    #[command(flatten)]
    pub output: OutputFlags,
    /// The runner function, e.g. jobs.list_jobs.
    pub function: String,
    /// Arguments: positional values (YAML-typed) and key=value keyword arguments.
    #[arg(allow_negative_numbers = true)]
    pub args: Vec<String>,
}

pub fn main() -> ExitCode {
    let a = RunArgs::parse();
    let level = a.log_level.clone();
    crate::run_command("salt-rs-run", &level, 1, run(a))
}

async fn run(a: RunArgs) -> Result<u8, String> {
    let loaded = salt_config::load_master(&a.config_dir).map_err(|e| e.to_string())?;
    let cfg = loaded.config;
    let (arg, kwarg) = runner_args(&a.args)?;
    let fmt = a.output.format(Format::Nested)?;
    let opts = a.output.options(false);
    let mut client = Client::connect(&cfg.sock_path(), cfg.max_message_size)
        .await
        .map_err(|e| e.to_string())?;
    if a.function == "state.event" {
        let ev = crate::event::EventArgs::bind(&arg, &kwarg)?;
        return crate::event::tail(&mut client, &ev).await;
    }
    let reply = client
        .request(&ClientRequest::Runner {
            fun: a.function.clone(),
            arg,
            kwarg,
        })
        .await
        .map_err(|e| e.to_string())?;
    let data = match reply {
        ClientReply::RunnerResult(v) => v,
        ClientReply::Error(e) => return Err(e),
        other => return Err(format!("unexpected reply from the master: {other:?}")),
    };
    let text = salt_output::render_all(fmt, &data, &opts);
    let mut out = a.output.sink()?;
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    Ok(0)
}

/// Positional and keyword arguments, YAML-typed like `salt-run` (a
/// 20-digit jid stays a string).
pub fn runner_args(raw: &[String]) -> Result<(Vec<Value>, serde_json::Map<String, Value>), String> {
    salt_exec::parse_cli_args(raw).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jid_stays_a_string_and_kwargs_are_typed() {
        let raw: Vec<String> = ["20261121210508967619", "missing=True"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (args, kwargs) = runner_args(&raw).unwrap();
        assert_eq!(args, vec![Value::from("20261121210508967619")]);
        assert_eq!(kwargs.get("missing"), Some(&Value::Bool(true)));
    }
}
