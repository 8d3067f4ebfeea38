//! `salt-rs TARGET FUNCTION [ARGS...]`: publish a job through the master and
//! print the returns as Salt's `salt` command does (same flags, outputs,
//! messages and exit codes).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use salt_output::Format;
use salt_proto::messages::{ClientReply, ClientRequest, Delivery, PublishRequest, ReturnEvent};
use salt_target::{Target, TargetExpr, TargetType};
use salt_types::{Jid, MinionId};
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::client::{Client, ClientError};
use crate::publish::{OutputFlags, TargetFlags};

#[derive(Parser, Debug)]
#[command(
    name = "salt-rs",
    version,
    about = "Publish a command to the minions matching a target and print their returns.",
    after_help = "Example: salt-rs '*' test.ping    salt-rs -G 'os:Debian' cmd.run 'uptime'"
)]
pub struct SaltArgs {
    /// Configuration directory (the master's).
    #[arg(short = 'c', long = "config-dir", default_value = "/etc/salt-rs")]
    pub config_dir: PathBuf,
    /// Seconds to wait for returns before asking the silent minions whether they still run the job.
    #[arg(short = 't', long = "timeout")]
    pub timeout: Option<u64>,
    /// Print the job id and return at once.
    #[arg(long = "async")]
    pub async_: bool,
    /// Collect all returns and print them together.
    #[arg(short = 's', long = "static")]
    pub static_: bool,
    /// Show the job id and the minions that did not return.
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
    /// Print the job id.
    #[arg(long = "show-jid")]
    pub show_jid: bool,
    /// Do not list minions that did not return.
    #[arg(long = "hide-timeout")]
    pub hide_timeout: bool,
    /// Run on N minions (or N% of them) at a time.
    #[arg(short = 'b', long = "batch-size", alias = "batch")]
    pub batch: Option<String>,
    /// Seconds to wait after a minion returns before starting the next one in a batch.
    #[arg(long = "batch-wait", default_value_t = 0.0)]
    pub batch_wait: f64,
    /// Run on N randomly chosen minions among those targeted.
    #[arg(long = "subset")]
    pub subset: Option<usize>,
    /// List the minions the target matches without running anything.
    #[arg(long = "preview-target")]
    pub preview_target: bool,
    /// Console log level.
    #[arg(short = 'l', long = "log-level", default_value = "warning")]
    pub log_level: String,
    #[command(flatten)]
    pub target_flags: TargetFlags,
    #[command(flatten)]
    pub output: OutputFlags,
    /// The target expression.
    pub target: String,
    /// The function to run, e.g. test.ping.
    pub function: Option<String>,
    /// Arguments: positional values (YAML-typed) and key=value keyword arguments.
    /// Options may follow them (`salt '*' cmd.run 'ls' --out json`), as
    /// in Salt; put `--` before an argument that starts with a dash.
    pub args: Vec<String>,
}

pub fn main() -> ExitCode {
    let a = SaltArgs::parse();
    let level = a.log_level.clone();
    crate::run_command("salt-rs", &level, 2, run(a))
}

/// The parts of a run that do not change between batches.
struct Ctx {
    sock: PathBuf,
    limit: usize,
    timeout: Duration,
    gather: Duration,
    fmt: Format,
    opts: salt_output::Options,
    out: Box<dyn Write>,
    verbose: bool,
    hide_timeout: bool,
}

async fn run(a: SaltArgs) -> Result<u8, String> {
    let loaded = salt_config::load_master(&a.config_dir).map_err(|e| e.to_string())?;
    let cfg = loaded.config;
    let target = a.target_flags.target(&a.target);
    let mut ctx = Ctx {
        sock: cfg.sock_path(),
        limit: cfg.max_message_size,
        timeout: Duration::from_secs(a.timeout.unwrap_or(cfg.timeout)),
        gather: Duration::from_secs(cfg.gather_job_timeout),
        fmt: a.output.format(crate::publish::default_format(
            a.function.as_deref().unwrap_or(""),
        ))?,
        opts: salt_output::Options {
            highstate: a
                .output
                .highstate(&crate::publish::StateOutputConfig::from(&cfg))?,
            ..a.output.options(a.static_)
        },
        out: a.output.sink()?,
        verbose: a.verbose,
        hide_timeout: a.hide_timeout,
    };
    if a.preview_target {
        let ids = preview(&ctx, &target).await?;
        let list = Value::Array(ids.iter().map(|i| Value::from(i.as_str())).collect());
        let text = salt_output::render_all(ctx.fmt, &list, &ctx.opts);
        write_out(&mut ctx.out, &text);
        return Ok(0);
    }
    let Some(fun) = a.function.clone() else {
        return Err("no function given: salt-rs TARGET FUNCTION [ARGS...]".into());
    };
    let (arg, kwarg) = salt_exec::parse_cli_args(&a.args).map_err(|e| e.to_string())?;
    let req = PublishRequest {
        target: target.clone(),
        fun,
        arg,
        kwarg,
        user: current_user(),
    };
    if let Some(n) = a.subset {
        let mut ids = preview(&ctx, &target).await?;
        fastrand::shuffle(&mut ids);
        ids.truncate(n);
        let req = PublishRequest {
            target: list_target(&ids),
            ..req
        };
        return run_one(&mut ctx, req, a.async_, a.show_jid).await;
    }
    if let Some(b) = &a.batch {
        return crate::salt::batch(&mut ctx, req, b, a.batch_wait).await;
    }
    run_one(&mut ctx, req, a.async_, a.show_jid).await
}

fn current_user() -> String {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| "root".into())
}

fn list_target(ids: &[MinionId]) -> Target {
    Target {
        tgt: TargetExpr::Many(ids.iter().map(|i| i.to_string()).collect()),
        tgt_type: TargetType::List,
        delimiter: ":".into(),
    }
}

async fn connect(ctx: &Ctx) -> Result<Client, String> {
    Client::connect(&ctx.sock, ctx.limit)
        .await
        .map_err(|e| e.to_string())
}

async fn preview(ctx: &Ctx, target: &Target) -> Result<Vec<MinionId>, String> {
    let mut c = connect(ctx).await?;
    match c
        .request(&ClientRequest::PreviewTarget(target.clone()))
        .await
        .map_err(|e| e.to_string())?
    {
        ClientReply::Minions(ids) => Ok(ids),
        ClientReply::Error(e) => Err(e),
        other => Err(format!("unexpected reply from the master: {other:?}")),
    }
}

fn write_out(out: &mut Box<dyn Write>, text: &str) {
    // A closed pipe (salt-rs ... | head) is not an error worth a panic.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

const NO_MATCH: &str = "No minions matched the target. No command was sent, no jid was assigned.";

async fn run_one(
    ctx: &mut Ctx,
    req: PublishRequest,
    async_: bool,
    show_jid: bool,
) -> Result<u8, String> {
    let mut c = connect(ctx).await?;
    let target = req.target.clone();
    let (jid, minions, down) = match c
        .request(&ClientRequest::Publish(req))
        .await
        .map_err(|e| e.to_string())?
    {
        ClientReply::Published { jid, minions, down } => (jid, minions, down),
        ClientReply::NoMatch => {
            println!("{NO_MATCH}");
            eprintln!("ERROR: No return received");
            return Ok(2);
        }
        ClientReply::Error(e) => return Err(e),
        other => return Err(format!("unexpected reply from the master: {other:?}")),
    };
    if async_ {
        println!("Executed command with job ID: {jid}");
        return Ok(0);
    }
    if ctx.verbose {
        write_out(
            &mut ctx.out,
            &format!(
                "Executing job with jid {jid}\n-------------------------------------------\n\n"
            ),
        );
    } else if show_jid {
        write_out(&mut ctx.out, &format!("jid: {jid}\n"));
    }
    let mut result = wait_returns(ctx, &mut c, jid, &minions, &down, true).await?;
    result.unknown = unknown_list_ids(&target, &minions);
    if !result.missing.is_empty() {
        result.why = why_missing(ctx, &mut c, jid, &mut result).await?;
    }
    Ok(finish(ctx, jid, result))
}

/// Asks the master how far the job got with each minion that did not
/// return. Returns that arrive meanwhile are taken (and printed) as returns.
async fn why_missing(
    ctx: &mut Ctx,
    c: &mut Client,
    jid: Jid,
    o: &mut Outcome,
) -> Result<BTreeMap<MinionId, Delivery>, String> {
    c.send(&ClientRequest::JobStatus { jid })
        .await
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let reply = match tokio::time::timeout_at(deadline, c.recv()).await {
            Ok(r) => r.map_err(|e| e.to_string())?,
            // An old master that does not answer: no details.
            Err(_) => return Ok(BTreeMap::new()),
        };
        match reply {
            ClientReply::JobStatus(list) => return Ok(list.into_iter().collect()),
            ClientReply::Return(ev) if ev.jid == jid && o.missing.remove(&ev.id) => {
                print_return(ctx, &ev);
                o.returns.insert(ev.id.clone(), ev);
            }
            ClientReply::Error(e) => return Err(e),
            _ => {}
        }
    }
}

/// Prints one return as it arrives (not with `--static`, which prints
/// them all at the end).
fn print_return(ctx: &mut Ctx, ev: &ReturnEvent) {
    if ctx.opts.static_ {
        return;
    }
    let text =
        salt_output::render_one_retcode(ctx.fmt, ev.id.as_str(), &ev.ret, ev.retcode, &ctx.opts);
    write_out(&mut ctx.out, &text);
}

/// The bracketed reason after "Minion did not return." for one minion.
fn reason(d: Option<&Delivery>) -> &'static str {
    match d {
        Some(Delivery::NotConnected) => "[Not connected]",
        Some(Delivery::Running) => "[Job received, still running]",
        Some(Delivery::Returned) => "[Finished; its return is in the job cache]",
        Some(Delivery::Declined) => "[Job declined: not targeted or expired on arrival]",
        Some(Delivery::NotReceived) | None => "[No response]",
    }
}

/// For a `-L` target, the listed ids that are no accepted minion: Salt
/// reports each of them as a minion that did not return (whatever
/// `--hide-timeout` says) without waiting for it.
fn unknown_list_ids(target: &Target, minions: &[MinionId]) -> BTreeSet<String> {
    if target.tgt_type != TargetType::List {
        return BTreeSet::new();
    }
    let listed: Vec<&str> = match &target.tgt {
        TargetExpr::One(s) => s.split(',').map(str::trim).collect(),
        TargetExpr::Many(v) => v.iter().map(|s| s.trim()).collect(),
    };
    listed
        .into_iter()
        .filter(|id| !id.is_empty() && !minions.iter().any(|m| m.as_str() == *id))
        .map(str::to_owned)
        .collect()
}

/// What came back for one job.
pub struct Outcome {
    pub returns: BTreeMap<MinionId, ReturnEvent>,
    /// Expected minions that did not return in time.
    pub missing: BTreeSet<MinionId>,
    /// Ids a list target named that are no accepted minion.
    pub unknown: BTreeSet<String>,
    /// Why each missing minion did not return, as far as the master knows.
    pub why: BTreeMap<MinionId, Delivery>,
}

/// Waits for every expected minion; after the timeout asks the silent ones
/// (saltutil.find_job) whether they still run the job, and keeps waiting
/// for those that do, as Salt does.
/// Minions the master knows to be `down` are not waited for: they are
/// missing at once.
async fn wait_returns(
    ctx: &mut Ctx,
    c: &mut Client,
    jid: Jid,
    minions: &[MinionId],
    down: &[MinionId],
    print: bool,
) -> Result<Outcome, String> {
    let down: BTreeSet<MinionId> = down.iter().cloned().collect();
    let mut waiting: BTreeSet<MinionId> = minions
        .iter()
        .filter(|m| !down.contains(*m))
        .cloned()
        .collect();
    let mut returns = BTreeMap::new();
    let mut deadline = Instant::now() + ctx.timeout;
    // find_job probes in flight: their jid, its deadline, who said "running".
    let mut probe: Option<(Option<Jid>, Instant, BTreeSet<MinionId>)> = None;
    while !waiting.is_empty() {
        let until = probe.as_ref().map(|p| p.1).unwrap_or(deadline);
        match tokio::time::timeout_at(until, c.recv()).await {
            Ok(Ok(ClientReply::Return(ev))) => {
                if ev.jid == jid {
                    if waiting.remove(&ev.id) {
                        if print {
                            print_return(ctx, &ev);
                        }
                        returns.insert(ev.id.clone(), ev);
                    }
                } else if let Some((Some(pj), _, running)) = probe.as_mut()
                    && ev.jid == *pj
                    && is_running(&ev.ret)
                {
                    running.insert(ev.id.clone());
                }
            }
            Ok(Ok(ClientReply::Published { jid: pj, .. })) => {
                if let Some(p) = probe.as_mut() {
                    p.0 = Some(pj);
                }
            }
            Ok(Ok(ClientReply::NoMatch)) => {}
            Ok(Ok(ClientReply::Error(e))) => return Err(e),
            Ok(Ok(_)) => {}
            Ok(Err(ClientError::Closed)) => return Err("the master closed the connection".into()),
            Ok(Err(e)) => return Err(e.to_string()),
            Err(_) => match probe.take() {
                None => {
                    // Timeout: ask the silent minions whether they still run it.
                    let ids: Vec<MinionId> = waiting.iter().cloned().collect();
                    c.send(&ClientRequest::Publish(PublishRequest {
                        target: list_target(&ids),
                        fun: "saltutil.find_job".into(),
                        arg: vec![Value::from(jid.to_string())],
                        kwarg: Map::new(),
                        user: current_user(),
                    }))
                    .await
                    .map_err(|e| e.to_string())?;
                    probe = Some((None, Instant::now() + ctx.gather, BTreeSet::new()));
                }
                Some((_, _, running)) => {
                    let still: BTreeSet<MinionId> =
                        running.intersection(&waiting).cloned().collect();
                    if still.is_empty() {
                        break;
                    }
                    waiting = still.clone();
                    deadline = Instant::now() + ctx.timeout;
                }
            },
        }
    }
    waiting.extend(down);
    Ok(Outcome {
        returns,
        missing: waiting,
        unknown: BTreeSet::new(),
        why: BTreeMap::new(),
    })
}

fn is_running(ret: &Value) -> bool {
    match ret {
        Value::Object(m) => !m.is_empty(),
        _ => false,
    }
}

/// Prints what is left (static output, the minions that did not return),
/// and computes the exit code. As in Salt, minions that timed out are
/// listed (and fail the run) unless `--hide-timeout` is given without
/// `-v`; ids of a list target that are no minion are always listed and
/// fail the run, except with `--static`, which leaves them out.
fn finish(ctx: &mut Ctx, jid: Jid, o: Outcome) -> u8 {
    let mut failed = o.returns.values().any(|r| r.retcode != 0);
    let show_timeouts = !ctx.hide_timeout || ctx.verbose;
    let no_return = |why: &str| {
        format!(
            "Minion did not return. {why}\nThe minions may not have all finished running and any remaining minions will return upon completion. To look up the return data for this job later, run the following command:\n\nsalt-rs-run jobs.lookup_jid {jid}"
        )
    };
    if ctx.opts.static_ {
        let mut all = Map::new();
        for (id, r) in &o.returns {
            all.insert(id.to_string(), r.ret.clone());
        }
        if show_timeouts {
            for id in &o.missing {
                all.insert(
                    id.to_string(),
                    Value::from(no_return(reason(o.why.get(id)))),
                );
            }
        }
        let code = if failed || (show_timeouts && !o.missing.is_empty()) {
            1
        } else {
            0
        };
        let text = salt_output::render_all_retcode(ctx.fmt, &Value::Object(all), code, &ctx.opts);
        write_out(&mut ctx.out, &text);
    } else {
        let shown: Vec<(&str, &str)> = if show_timeouts {
            o.missing
                .iter()
                .map(|id| (id.as_str(), reason(o.why.get(id))))
                .collect()
        } else {
            Vec::new()
        };
        for (id, why) in shown
            .into_iter()
            .chain(o.unknown.iter().map(|u| (u.as_str(), reason(None))))
        {
            let text = salt_output::render_one_retcode(
                ctx.fmt,
                id,
                &Value::from(no_return(why)),
                1,
                &ctx.opts,
            );
            write_out(&mut ctx.out, &text);
        }
        failed |= !o.unknown.is_empty();
    }
    if show_timeouts && !o.missing.is_empty() {
        failed = true;
    }
    if failed {
        eprintln!("ERROR: Minions returned with non-zero exit code");
        1
    } else {
        0
    }
}

/// `-b N` / `-b N%`: as Salt does, first pings the target (minions that do
/// not answer get no job, only a notice), then keeps at most N minions
/// running the job, starting the next one when one returns (a sliding
/// window). Each return is printed with its jid and retcode; the exit code
/// is the highest retcode.
async fn batch(ctx: &mut Ctx, req: PublishRequest, size: &str, wait: f64) -> Result<u8, String> {
    let Some(all) = batch_gather(ctx, &req.target).await? else {
        println!("{NO_MATCH}");
        println!("No minions matched the target.");
        return Ok(0);
    };
    if all.is_empty() {
        return Ok(0);
    }
    let n = batch_size(size, all.len())?;
    let mut queue: std::collections::VecDeque<MinionId> = all.into_iter().collect();
    let mut c = connect(ctx).await?;
    let mut running: BTreeMap<MinionId, (Jid, Instant)> = BTreeMap::new();
    // Returns that arrived while waiting for a publish's reply.
    let mut early: std::collections::VecDeque<ReturnEvent> = Default::default();
    let mut code: i32 = 0;
    let mut missing = Vec::new();
    loop {
        let mut started = Vec::new();
        while running.len() + started.len() < n {
            let Some(id) = queue.pop_front() else { break };
            started.push(id);
        }
        if !started.is_empty() {
            started.sort();
            let shown: Vec<String> = started.iter().map(|i| format!("'{i}'")).collect();
            write_out(
                &mut ctx.out,
                &format!("\nExecuting run on [{}]\n\n", shown.join(", ")),
            );
            for id in started {
                let r = PublishRequest {
                    target: list_target(std::slice::from_ref(&id)),
                    ..req.clone()
                };
                c.send(&ClientRequest::Publish(r))
                    .await
                    .map_err(|e| e.to_string())?;
                loop {
                    match c.recv().await.map_err(|e| e.to_string())? {
                        ClientReply::Published { jid, .. } => {
                            running.insert(id, (jid, Instant::now() + ctx.timeout));
                            break;
                        }
                        ClientReply::Return(ev) => early.push_back(ev),
                        ClientReply::Error(e) => return Err(e),
                        _ => break,
                    }
                }
            }
        }
        if running.is_empty() {
            break;
        }
        let next_deadline = running
            .values()
            .map(|(_, d)| *d)
            .min()
            .unwrap_or_else(Instant::now);
        let got = match early.pop_front() {
            Some(ev) => Ok(Ok(ClientReply::Return(ev))),
            None => tokio::time::timeout_at(next_deadline, c.recv()).await,
        };
        match got {
            Ok(Ok(ClientReply::Return(ev))) => {
                if running.get(&ev.id).is_some_and(|(j, _)| *j == ev.jid) {
                    running.remove(&ev.id);
                    code = code.max(ev.retcode);
                    let mut shown = Map::new();
                    shown.insert("retcode".into(), Value::from(ev.retcode));
                    shown.insert("jid".into(), Value::from(ev.jid.to_string()));
                    shown.insert(ev.id.to_string(), ev.ret.clone());
                    let text = salt_output::render_all_retcode(
                        ctx.fmt,
                        &Value::Object(shown),
                        ev.retcode,
                        &ctx.opts,
                    );
                    write_out(&mut ctx.out, &text);
                    if wait > 0.0 {
                        tokio::time::sleep(Duration::from_secs_f64(wait)).await;
                    }
                }
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e.to_string()),
            Err(_) => {
                let now = Instant::now();
                let late: Vec<MinionId> = running
                    .iter()
                    .filter(|(_, (_, d))| *d <= now)
                    .map(|(id, _)| id.clone())
                    .collect();
                for id in late {
                    running.remove(&id);
                    missing.push(id);
                }
            }
        }
    }
    if !ctx.hide_timeout {
        for id in &missing {
            let text = salt_output::render_one_retcode(
                ctx.fmt,
                id.as_str(),
                &Value::from("Minion did not return. [No response]"),
                1,
                &ctx.opts,
            );
            write_out(&mut ctx.out, &text);
        }
    }
    if !missing.is_empty() {
        code = code.max(1);
    }
    Ok(u8::try_from(code.clamp(0, 255)).unwrap_or(1))
}

/// Pings the target as Salt's batch mode does before running anything:
/// `None` when nothing matches; otherwise the minions that answered, after
/// a notice for each one that did not.
async fn batch_gather(ctx: &mut Ctx, target: &Target) -> Result<Option<Vec<MinionId>>, String> {
    let mut c = connect(ctx).await?;
    let ping = PublishRequest {
        target: target.clone(),
        fun: "test.ping".into(),
        arg: Vec::new(),
        kwarg: Map::new(),
        user: current_user(),
    };
    let (jid, minions, down) = match c
        .request(&ClientRequest::Publish(ping))
        .await
        .map_err(|e| e.to_string())?
    {
        ClientReply::Published { jid, minions, down } => (jid, minions, down),
        ClientReply::NoMatch => return Ok(None),
        ClientReply::Error(e) => return Err(e),
        other => return Err(format!("unexpected reply from the master: {other:?}")),
    };
    let pinged = wait_returns(ctx, &mut c, jid, &minions, &down, false).await?;
    for id in &pinged.missing {
        write_out(
            &mut ctx.out,
            &format!("Minion {id} did not respond. No job will be sent.\n"),
        );
    }
    Ok(Some(pinged.returns.into_keys().collect()))
}

/// `N` or `N%` of `total`, rounded down as Salt does (but at least 1).
pub fn batch_size(spec: &str, total: usize) -> Result<usize, String> {
    let bad = || {
        format!("invalid batch size {spec:?}: use a number of minions (10) or a percentage (25%)")
    };
    let n = if let Some(p) = spec.strip_suffix('%') {
        let pct: f64 = p.trim().parse().map_err(|_| bad())?;
        if !(pct > 0.0 && pct <= 100.0) {
            return Err(bad());
        }
        // Salt rounds down, except that a share below one minion is one.
        let share = (total as f64) * pct / 100.0;
        if share < 1.0 {
            share.ceil() as usize
        } else {
            share.floor() as usize
        }
    } else {
        spec.trim().parse::<usize>().map_err(|_| bad())?
    };
    if n == 0 {
        return Err(bad());
    }
    Ok(n.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_sizes() {
        assert_eq!(batch_size("1", 3).unwrap(), 1);
        assert_eq!(batch_size("50%", 3).unwrap(), 1);
        assert_eq!(batch_size("50%", 4).unwrap(), 2);
        assert_eq!(batch_size("70%", 3).unwrap(), 2);
        assert_eq!(batch_size("100%", 3).unwrap(), 3);
        assert_eq!(batch_size("10%", 3).unwrap(), 1);
        assert!(batch_size("0", 3).is_err());
        assert!(batch_size("x%", 3).is_err());
        assert!(batch_size("150%", 3).is_err());
    }
}
