//! `salt-rs-key`: the operator's view of the master's key store, with
//! `salt-key`'s flags, prompts, messages, output layout and exit codes.
//!
//! The flow follows Salt's `KeyCLI`: one action is chosen (the first of
//! list, print, accept, reject, delete, finger that was given; listing all
//! keys when none was), accept/reject/delete show the matching keys and ask
//! before acting, and everything except a usage error exits 0 (errors are
//! printed as `Error: ...` on stderr, as Salt does).

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use salt_pki::{KeyState, KeyStore, fingerprint, fnmatch};
use salt_types::MinionId;
use serde_json::{Map, Value};

/// Exit code of a usage error (`EX_USAGE`, what Salt's option parser uses).
pub const EXIT_USAGE: u8 = 64;

/// Command-line flags of `salt-rs-key`, named as in `salt-key`.
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "salt-rs-key",
    version,
    about = "salt-rs-key is used to manage salt-rs authentication keys",
    override_usage = "salt-rs-key [options]"
)]
pub struct KeyArgs {
    /// Pass in an alternative configuration directory.
    #[arg(short = 'c', long = "config-dir", value_name = "CONFIG_DIR", default_value = salt_config::DEFAULT_CONFIG_DIR)]
    pub config_dir: PathBuf,
    /// Suppress output.
    #[arg(short = 'q', long = "quiet")]
    pub quiet: bool,
    /// Answer "Yes" to all questions presented.
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
    /// Print the output using the specified outputter (key, nested, json,
    /// yaml, txt, raw, pprint, quiet).
    #[arg(long = "out", visible_alias = "output", value_name = "OUTPUT")]
    pub out: Option<String>,
    /// Indent the output by this many spaces; negative disables indentation.
    #[arg(
        long = "out-indent",
        visible_alias = "output-indent",
        value_name = "OUTPUT_INDENT",
        allow_negative_numbers = true
    )]
    pub out_indent: Option<i64>,
    /// Disable all colored output.
    #[arg(long = "no-color", visible_alias = "no-colour")]
    pub no_color: bool,
    /// Force colored output.
    #[arg(long = "force-color", visible_alias = "force-colour")]
    pub force_color: bool,
    /// List the public keys: 'pre', 'un', 'unaccepted'; 'acc', 'accepted';
    /// 'rej', 'rejected'; 'den', 'denied'; 'all'.
    #[arg(short = 'l', long = "list", value_name = "ARG")]
    pub list: Option<String>,
    /// List all public keys.
    #[arg(short = 'L', long = "list-all")]
    pub list_all: bool,
    /// Accept the specified public key (globs are supported).
    #[arg(short = 'a', long = "accept", value_name = "ACCEPT")]
    pub accept: Option<String>,
    /// Accept all pending keys.
    #[arg(short = 'A', long = "accept-all")]
    pub accept_all: bool,
    /// Reject the specified public key (globs are supported).
    #[arg(short = 'r', long = "reject", value_name = "REJECT")]
    pub reject: Option<String>,
    /// Reject all pending keys.
    #[arg(short = 'R', long = "reject-all")]
    pub reject_all: bool,
    /// Include rejected/accepted keys when accepting/rejecting.
    #[arg(long = "include-all")]
    pub include_all: bool,
    /// Include accepted keys when rejecting.
    #[arg(long = "include-accepted")]
    pub include_accepted: bool,
    /// Include rejected keys when accepting.
    #[arg(long = "include-rejected")]
    pub include_rejected: bool,
    /// Include denied keys when accepting/rejecting.
    #[arg(long = "include-denied")]
    pub include_denied: bool,
    /// Print the specified public key.
    #[arg(short = 'p', long = "print", value_name = "PRINT")]
    pub print: Option<String>,
    /// Print all public keys.
    #[arg(short = 'P', long = "print-all")]
    pub print_all: bool,
    /// Delete the specified key (globs are supported).
    #[arg(short = 'd', long = "delete", value_name = "DELETE")]
    pub delete: Option<String>,
    /// Delete all keys.
    #[arg(short = 'D', long = "delete-all")]
    pub delete_all: bool,
    /// Print the specified key's fingerprint.
    #[arg(short = 'f', long = "finger", value_name = "FINGER")]
    pub finger: Option<String>,
    /// Print all keys' fingerprints.
    #[arg(short = 'F', long = "finger-all")]
    pub finger_all: bool,
    /// Extra arguments (only checked: `-D` takes none).
    #[arg(hide = true)]
    pub args: Vec<String>,
}

/// Entry point of the `salt-rs-key` binary.
pub fn main() -> ExitCode {
    let args = match KeyArgs::try_parse() {
        Ok(a) => a,
        Err(e) => return ExitCode::from(usage_error(e)),
    };
    let color = if args.force_color {
        true
    } else if args.no_color {
        false
    } else {
        io::stdout().is_terminal()
    };
    let stdin = io::stdin();
    let code = run(
        &args,
        color,
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
        &mut stdin.lock(),
    );
    ExitCode::from(code)
}

/// Runs one `salt-rs-key` invocation against the given streams and returns
/// the exit code.
pub fn run(
    args: &KeyArgs,
    color: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
    input: &mut dyn BufRead,
) -> u8 {
    if let Some(arg) = &args.list
        && !["acc", "pre", "un", "rej", "den", "all"]
            .iter()
            .any(|p| arg.starts_with(p))
    {
        let _ = write!(
            err,
            "Usage: salt-rs-key [options]\n\nsalt-rs-key: error: '{arg}' is not a valid argument to '--list'\n"
        );
        return EXIT_USAGE;
    }
    let result = Cli::new(args, color, out, err, input).and_then(|mut cli| cli.run());
    match result {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "Error: {e}");
            0
        }
    }
}

/// Why a run stopped early; printed as `Error: ...`.
#[derive(Debug, thiserror::Error)]
enum KeyError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    Config(#[from] salt_config::ConfigError),
    #[error("EOF when reading a line")]
    Eof,
    #[error("Delete all takes no arguments. Use -d to delete specified keys")]
    DeleteAllArgs,
}

/// One section of the key outputter's data: ids (listing) or id -> text
/// (fingerprints, key prints). Keyed by Salt's status names (`minions`,
/// `minions_pre`, `minions_rejected`, `minions_denied`, `local`).
#[derive(Debug, Clone, PartialEq)]
enum Entries {
    List(Vec<String>),
    Map(Vec<(String, String)>),
}

type KeyData = Vec<(&'static str, Entries)>;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Action {
    List,
    Print,
    Accept,
    Reject,
    Delete,
    Finger,
}

struct Cli<'a> {
    args: &'a KeyArgs,
    color: bool,
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    input: &'a mut dyn BufRead,
    store: KeyStore,
    /// The master's local socket and frame limit, to tell it about changes.
    master_sock: PathBuf,
    limit: usize,
}

impl<'a> Cli<'a> {
    fn new(
        args: &'a KeyArgs,
        color: bool,
        out: &'a mut dyn Write,
        err: &'a mut dyn Write,
        input: &'a mut dyn BufRead,
    ) -> Result<Self, KeyError> {
        if args.delete_all && !args.args.is_empty() {
            return Err(KeyError::DeleteAllArgs);
        }
        let loaded = salt_config::load_master(&args.config_dir)?;
        let store = KeyStore::open(&loaded.config.pki_dir())?;
        Ok(Self {
            args,
            color,
            out,
            err,
            input,
            store,
            master_sock: loaded.config.sock_path(),
            limit: loaded.config.max_message_size,
        })
    }

    fn run(&mut self) -> Result<(), KeyError> {
        let a = self.args;
        // Salt's precedence: the first action given in this order wins.
        let (action, pattern): (Action, String) = if let Some(l) = &a.list {
            (Action::List, l.clone())
        } else if a.list_all {
            (Action::List, "all".into())
        } else if let Some(p) = &a.print {
            (Action::Print, p.clone())
        } else if a.print_all {
            (Action::Print, "*".into())
        } else if let Some(p) = &a.accept {
            (Action::Accept, p.clone())
        } else if a.accept_all {
            (Action::Accept, "*".into())
        } else if let Some(p) = &a.reject {
            (Action::Reject, p.clone())
        } else if a.reject_all {
            (Action::Reject, "*".into())
        } else if let Some(p) = &a.delete {
            (Action::Delete, p.clone())
        } else if a.delete_all {
            (Action::Delete, "*".into())
        } else if let Some(p) = &a.finger {
            (Action::Finger, p.clone())
        } else if a.finger_all {
            (Action::Finger, "*".into())
        } else {
            (Action::List, "all".into())
        };
        match action {
            Action::List => {
                let data = self.list_status(&pattern)?;
                self.display(&data)
            }
            Action::Print => {
                let data = self.key_str(&pattern)?;
                self.display(&data)
            }
            Action::Finger => {
                let data = self.finger(&pattern)?;
                self.display(&data)
            }
            Action::Accept | Action::Reject | Action::Delete => self.change(action, &pattern),
        }
    }

    /// `-l ARG` / `-L`.
    fn list_status(&self, arg: &str) -> Result<KeyData, KeyError> {
        let states: &[KeyState] = if arg.starts_with("acc") {
            &[KeyState::Accepted]
        } else if arg.starts_with("pre") || arg.starts_with("un") {
            &[KeyState::Pending]
        } else if arg.starts_with("rej") {
            &[KeyState::Rejected]
        } else if arg.starts_with("den") {
            &[KeyState::Denied]
        } else {
            &KeyState::ALL
        };
        let mut data = KeyData::new();
        for &s in states {
            let ids = self.store.list(s)?;
            data.push((
                s.dir_name(),
                Entries::List(ids.iter().map(|i| i.to_string()).collect()),
            ));
        }
        Ok(data)
    }

    /// `-p GLOB` / `-P`: the key texts.
    fn key_str(&self, pattern: &str) -> Result<KeyData, KeyError> {
        let mut data = KeyData::new();
        for (state, ids) in self.store.name_match(pattern)? {
            let mut entries = Vec::new();
            for id in ids {
                let text = self.store.read_key(state, &id)?.unwrap_or_default();
                entries.push((id.to_string(), text));
            }
            data.push((state.dir_name(), Entries::Map(entries)));
        }
        Ok(data)
    }

    /// `-f GLOB` / `-F`: fingerprints, the master's own keys included.
    fn finger(&self, pattern: &str) -> Result<KeyData, KeyError> {
        let mut data = KeyData::new();
        for (state, ids) in self.store.name_match(pattern)? {
            let mut entries = Vec::new();
            for id in ids {
                let path = self.store.key_path(state, &id);
                entries.push((id.to_string(), finger_file(&path)?));
            }
            data.push((state.dir_name(), Entries::Map(entries)));
        }
        let globs = split_globs(pattern);
        let mut local = Vec::new();
        for name in self.store.local_keys()? {
            for g in &globs {
                if fnmatch(&name, g) {
                    let f = finger_file(&self.store.pki_dir().join(&name))?;
                    local.push((name.clone(), f));
                }
            }
        }
        if !local.is_empty() {
            data.push(("local", Entries::Map(local)));
        }
        Ok(data)
    }

    /// `-a/-A`, `-r/-R`, `-d/-D`: show what matches, ask, act, report.
    fn change(&mut self, action: Action, pattern: &str) -> Result<(), KeyError> {
        let a = self.args;
        let (include_accepted, include_rejected) = match action {
            Action::Accept => (false, a.include_all || a.include_rejected),
            Action::Reject => (a.include_all || a.include_accepted, false),
            _ => (a.include_accepted, a.include_rejected),
        };
        let include_denied = a.include_denied;
        let matches = self.store.name_match(pattern)?;
        // What the operator is shown and what is acted on: all matches for
        // delete; pending plus the included states otherwise, in Salt's
        // order (pending, accepted, rejected, denied).
        let selected: Vec<(KeyState, Vec<MinionId>)> = if action == Action::Delete {
            matches
        } else {
            let wanted = [
                (KeyState::Pending, true),
                (KeyState::Accepted, include_accepted),
                (KeyState::Rejected, include_rejected),
                (KeyState::Denied, include_denied),
            ];
            wanted
                .iter()
                .filter(|(_, on)| *on)
                .filter_map(|(s, _)| matches.iter().find(|(m, _)| m == s).cloned())
                .collect()
        };
        if selected.is_empty() {
            let mut statuses = vec!["unaccepted"];
            if include_accepted {
                statuses.push("accepted");
            }
            if include_rejected {
                statuses.push("rejected");
            }
            if include_denied {
                statuses.push("denied");
            }
            let stat = match statuses.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                _ => statuses.join(""),
            };
            writeln!(
                self.out,
                "The key glob '{pattern}' does not match any {stat} keys."
            )?;
            return Ok(());
        }
        let verb = match action {
            Action::Accept => "accepted",
            Action::Reject => "rejected",
            _ => "deleted",
        };
        writeln!(self.out, "The following keys are going to be {verb}:")?;
        let shown: KeyData = selected
            .iter()
            .map(|(s, ids)| {
                (
                    s.dir_name(),
                    Entries::List(ids.iter().map(|i| i.to_string()).collect()),
                )
            })
            .collect();
        self.display(&shown)?;
        if !a.yes {
            let (prompt, default) = if action == Action::Delete {
                ("Proceed? [N/y] ", "n")
            } else {
                ("Proceed? [n/Y] ", "y")
            };
            write!(self.out, "{prompt}")?;
            self.out.flush()?;
            let mut line = String::new();
            if self.input.read_line(&mut line)? == 0 {
                return Err(KeyError::Eof);
            }
            let answer = line.strip_suffix('\n').unwrap_or(&line);
            let answer = answer.strip_suffix('\r').unwrap_or(answer);
            let answer = if answer.is_empty() { default } else { answer };
            if !answer.to_lowercase().starts_with('y') {
                return Ok(());
            }
        }
        let report: Vec<MinionId> = match action {
            Action::Delete => {
                for (state, ids) in &selected {
                    for id in ids {
                        self.store.remove_key(id, *state)?;
                    }
                }
                selected
                    .iter()
                    .flat_map(|(_, ids)| ids.iter().cloned())
                    .collect()
            }
            _ => {
                let to = if action == Action::Accept {
                    KeyState::Accepted
                } else {
                    KeyState::Rejected
                };
                // Salt refuses malformed keys on accept, reports them after
                // the moves and leaves them out of the report.
                let mut acted = selected.clone();
                let mut invalid = Vec::new();
                for (state, ids) in acted.iter_mut() {
                    let mut kept = Vec::new();
                    for id in ids.drain(..) {
                        if to == KeyState::Accepted && !self.store.is_acceptable(*state, &id)? {
                            invalid.push(id);
                            continue;
                        }
                        self.store.move_key(&id, *state, to)?;
                        kept.push(id);
                    }
                    *ids = kept;
                }
                for id in invalid {
                    writeln!(self.err, "Unable to accept invalid key for {id}.")?;
                }
                self.dict_match(&acted)?
            }
        };
        notify_master(&self.master_sock, self.limit);
        for id in report {
            writeln!(self.out, "Key for minion {id} {verb}.")?;
        }
        Ok(())
    }

    /// Salt's `dict_match`: where each acted-on key is now, grouped by
    /// state in order of first appearance (a key left in two directories is
    /// reported twice, as Salt does).
    fn dict_match(
        &self,
        selected: &[(KeyState, Vec<MinionId>)],
    ) -> Result<Vec<MinionId>, KeyError> {
        let mut groups: Vec<(KeyState, Vec<MinionId>)> = Vec::new();
        for (_, ids) in selected {
            for id in ids {
                for state in KeyState::ALL {
                    if self.store.key_path(state, id).is_file() {
                        match groups.iter_mut().find(|(s, _)| *s == state) {
                            Some((_, v)) => v.push(id.clone()),
                            None => groups.push((state, vec![id.clone()])),
                        }
                    }
                }
            }
        }
        Ok(groups.into_iter().flat_map(|(_, v)| v).collect())
    }

    fn display(&mut self, data: &KeyData) -> Result<(), KeyError> {
        let text = match self.args.out.as_deref() {
            None | Some("key") => finish(&key_outputter(data, self.color)),
            Some(name) => {
                let fmt = name.parse().unwrap_or(salt_output::Format::Nested);
                let opts = salt_output::Options {
                    indent: self.args.out_indent,
                    color: self.color,
                    static_: true,
                    ..Default::default()
                };
                salt_output::render_all(fmt, &to_value(data), &opts)
            }
        };
        self.out.write_all(text.as_bytes())?;
        Ok(())
    }
}

/// Salt's `key` outputter: sections sorted by status name (so Accepted,
/// Denied, Unaccepted, Rejected, with Local first), ids sorted, colours when
/// enabled.
fn key_outputter(data: &[(&str, Entries)], color: bool) -> String {
    let c = |code: &'static str| if color { code } else { "" };
    let endc = c("\x1b[0;0m");
    let mut sections: Vec<&(&str, Entries)> = data.iter().collect();
    sections.sort_by(|a, b| a.0.cmp(b.0));
    let mut s = String::new();
    for (status, entries) in sections {
        let (title, light, plain) = match *status {
            "minions" => ("Accepted Keys:", "\x1b[0;1;32m", "\x1b[0;32m"),
            "minions_pre" => ("Unaccepted Keys:", "\x1b[0;1;31m", "\x1b[0;31m"),
            "minions_rejected" => ("Rejected Keys:", "\x1b[0;1;34m", "\x1b[0;34m"),
            "minions_denied" => ("Denied Keys:", "\x1b[0;1;35m", "\x1b[0;35m"),
            _ => ("Local Keys:", "\x1b[0;1;35m", "\x1b[0;35m"),
        };
        s.push_str(&format!("{}{title}{endc}\n", c(light)));
        match entries {
            Entries::List(ids) => {
                let mut ids: Vec<&String> = ids.iter().collect();
                ids.sort();
                for id in ids {
                    s.push_str(&format!("{}{id}{endc}\n", c(plain)));
                }
            }
            Entries::Map(map) => {
                let mut map: Vec<&(String, String)> = map.iter().collect();
                map.sort_by(|a, b| a.0.cmp(&b.0));
                for (id, value) in map {
                    s.push_str(&format!("{}{id}:  {value}{endc}\n", c(plain)));
                }
            }
        }
    }
    s
}

/// The data as JSON-like value for the other outputters, in Salt's order.
fn to_value(data: &[(&str, Entries)]) -> Value {
    let mut m = Map::new();
    for (status, entries) in data {
        let v = match entries {
            Entries::List(ids) => {
                Value::Array(ids.iter().map(|i| Value::String(i.clone())).collect())
            }
            Entries::Map(map) => {
                let mut inner = Map::new();
                for (k, v) in map {
                    inner.insert(k.clone(), Value::String(v.clone()));
                }
                Value::Object(inner)
            }
        };
        m.insert((*status).to_owned(), v);
    }
    Value::Object(m)
}

/// Salt prints the outputter's text right-stripped plus a newline, and
/// nothing when it is empty.
fn finish(text: &str) -> String {
    let t = text.trim_end();
    if t.is_empty() {
        String::new()
    } else {
        format!("{t}\n")
    }
}

/// Tells a running master that key files changed, so a rejected or
/// deleted key loses its session at once instead of at the master's next
/// periodic rescan. Best effort and bounded: with no master running there
/// is nothing to tell.
fn notify_master(sock: &Path, limit: usize) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async {
        let poke = async {
            let mut c = crate::client::Client::connect(sock, limit).await.ok()?;
            c.request(&salt_proto::messages::ClientRequest::KeysChanged)
                .await
                .ok()
        };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), poke).await;
    });
}

/// Salt's `pem_finger` of a file: empty when it is not a regular file.
fn finger_file(path: &Path) -> io::Result<String> {
    if !path.is_file() {
        return Ok(String::new());
    }
    let bytes = std::fs::read(path)?;
    Ok(fingerprint(&String::from_utf8_lossy(&bytes)))
}

fn split_globs(pattern: &str) -> Vec<&str> {
    if pattern.contains(',') {
        pattern.split(',').collect()
    } else {
        vec![pattern]
    }
}

/// Prints a clap error the way Salt's option parser does (help and
/// version go to stdout with 0).
fn usage_error(e: clap::Error) -> u8 {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return 0;
    }
    let rendered = e.to_string();
    let first = rendered.lines().next().unwrap_or("invalid arguments");
    let msg = first.strip_prefix("error: ").unwrap_or(first);
    eprint!("Usage: salt-rs-key [options]\n\nsalt-rs-key: error: {msg}\n");
    EXIT_USAGE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> KeyData {
        vec![
            (
                "minions",
                Entries::List(vec!["minion1".into(), "Minion2".into()]),
            ),
            ("minions_pre", Entries::List(vec!["alpha".into()])),
            ("minions_rejected", Entries::List(vec![])),
            ("minions_denied", Entries::List(vec!["minion1".into()])),
        ]
    }

    #[test]
    fn key_outputter_orders_sections_and_sorts_case_sensitively() {
        assert_eq!(
            key_outputter(&data(), false),
            "Accepted Keys:\nMinion2\nminion1\nDenied Keys:\nminion1\nUnaccepted Keys:\nalpha\nRejected Keys:\n"
        );
    }

    #[test]
    fn key_outputter_colours_match_salt() {
        let out = key_outputter(&data()[..2], true);
        assert_eq!(
            out,
            "\x1b[0;1;32mAccepted Keys:\x1b[0;0m\n\x1b[0;32mMinion2\x1b[0;0m\n\x1b[0;32mminion1\x1b[0;0m\n\
             \x1b[0;1;31mUnaccepted Keys:\x1b[0;0m\n\x1b[0;31malpha\x1b[0;0m\n"
        );
    }

    #[test]
    fn key_outputter_maps_put_local_first() {
        let d: KeyData = vec![
            ("minions", Entries::Map(vec![("m1".into(), "aa:bb".into())])),
            (
                "local",
                Entries::Map(vec![
                    ("master.pub".into(), "cc".into()),
                    ("master.pem".into(), "dd".into()),
                ]),
            ),
        ];
        assert_eq!(
            key_outputter(&d, false),
            "Local Keys:\nmaster.pem:  dd\nmaster.pub:  cc\nAccepted Keys:\nm1:  aa:bb\n"
        );
    }

    #[test]
    fn json_value_keeps_salts_order() {
        let v = to_value(&data());
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "minions",
                "minions_pre",
                "minions_rejected",
                "minions_denied"
            ]
        );
    }

    #[test]
    fn finish_strips_and_skips_empty() {
        assert_eq!(finish(""), "");
        assert_eq!(finish("a\n\n"), "a\n");
    }

    #[test]
    fn invalid_list_argument_is_a_usage_error() {
        let args = KeyArgs {
            list: Some("foo".into()),
            ..KeyArgs::default()
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&args, false, &mut out, &mut err, &mut io::empty());
        assert_eq!(code, EXIT_USAGE);
        assert!(out.is_empty());
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "Usage: salt-rs-key [options]\n\nsalt-rs-key: error: 'foo' is not a valid argument to '--list'\n"
        );
    }

    #[test]
    fn flags_parse_like_salt_key() {
        let a = KeyArgs::try_parse_from([
            "salt-rs-key",
            "-c",
            "/x",
            "-a",
            "web*",
            "-y",
            "--include-denied",
            "--out",
            "json",
        ])
        .unwrap();
        assert_eq!(a.config_dir, PathBuf::from("/x"));
        assert_eq!(a.accept.as_deref(), Some("web*"));
        assert!(a.yes && a.include_denied);
        assert_eq!(a.out.as_deref(), Some("json"));
        let a = KeyArgs::try_parse_from([
            "salt-rs-key",
            "-l",
            "acc",
            "--out-indent",
            "-1",
            "--no-colour",
        ])
        .unwrap();
        assert_eq!(a.list.as_deref(), Some("acc"));
        assert_eq!(a.out_indent, Some(-1));
        assert!(a.no_color);
        assert!(KeyArgs::try_parse_from(["salt-rs-key", "-l"]).is_err());
    }
}
