//! The flags every publishing command shares: how the target is read
//! (`-E -L -G -P -N -C -I -J -S`, `--delimiter`) and how output is written
//! (`--out`, `--out-indent`, `--out-file`, colours).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use salt_output::{Format, Options};
use salt_target::{Target, TargetExpr, TargetType};

#[derive(Args, Debug, Clone)]
pub struct TargetFlags {
    /// Target by PCRE on minion ids.
    #[arg(short = 'E', long = "pcre", group = "tgt_type")]
    pub pcre: bool,
    /// Target a comma-separated list of minion ids.
    #[arg(short = 'L', long = "list", group = "tgt_type")]
    pub list: bool,
    /// Target by grain: `key:subkey:glob`.
    #[arg(short = 'G', long = "grain", group = "tgt_type")]
    pub grain: bool,
    /// Target by grain with a regular expression: `key:regex`.
    #[arg(short = 'P', long = "grain-pcre", group = "tgt_type")]
    pub grain_pcre: bool,
    /// Target a nodegroup from the master config.
    #[arg(short = 'N', long = "nodegroup", group = "tgt_type")]
    pub nodegroup: bool,
    /// Compound target: `G@os:Debian and not L@m3`.
    #[arg(short = 'C', long = "compound", group = "tgt_type")]
    pub compound: bool,
    /// Target by pillar: `key:glob`.
    #[arg(short = 'I', long = "pillar", group = "tgt_type")]
    pub pillar: bool,
    /// Target by pillar with a regular expression.
    #[arg(short = 'J', long = "pillar-pcre", group = "tgt_type")]
    pub pillar_pcre: bool,
    /// Target by IP address or CIDR.
    #[arg(short = 'S', long = "ipcidr", group = "tgt_type")]
    pub ipcidr: bool,
    /// Delimiter for grain and pillar keys.
    #[arg(long = "delimiter", default_value = ":")]
    pub delimiter: String,
}

impl TargetFlags {
    pub fn target(&self, tgt: &str) -> Target {
        let tgt_type = if self.pcre {
            TargetType::Pcre
        } else if self.list {
            TargetType::List
        } else if self.grain {
            TargetType::Grain
        } else if self.grain_pcre {
            TargetType::GrainPcre
        } else if self.nodegroup {
            TargetType::Nodegroup
        } else if self.compound {
            TargetType::Compound
        } else if self.pillar {
            TargetType::Pillar
        } else if self.pillar_pcre {
            TargetType::PillarPcre
        } else if self.ipcidr {
            TargetType::Ipcidr
        } else {
            TargetType::Glob
        };
        Target {
            tgt: TargetExpr::One(tgt.to_owned()),
            tgt_type,
            delimiter: self.delimiter.clone(),
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct OutputFlags {
    /// Outputter: nested, json, yaml, txt, raw, quiet, pprint.
    #[arg(long = "out", alias = "output")]
    pub out: Option<String>,
    /// Indentation for the outputter (negative: compact).
    #[arg(
        long = "out-indent",
        alias = "output-indent",
        allow_negative_numbers = true
    )]
    pub out_indent: Option<i64>,
    /// Write the output to this file instead of stdout.
    #[arg(long = "out-file", alias = "output-file")]
    pub out_file: Option<PathBuf>,
    /// Append to --out-file instead of overwriting it.
    #[arg(long = "out-file-append", alias = "output-file-append")]
    pub out_file_append: bool,
    /// Never colour the output.
    #[arg(long = "no-color", alias = "no-colour")]
    pub no_color: bool,
    /// Colour the output even when it is not a terminal.
    #[arg(long = "force-color", alias = "force-colour")]
    pub force_color: bool,
    /// The highstate outputter's layout: full, terse, mixed, changes or
    /// filter (optionally with `_id`); overrides `state_output`.
    #[arg(long = "state-output", alias = "state_output")]
    pub state_output: Option<String>,
    /// `False` hides states that succeeded without changes; overrides
    /// `state_verbose`.
    #[arg(long = "state-verbose", alias = "state_verbose")]
    pub state_verbose: Option<String>,
    /// Show only the states that changed something.
    #[arg(long = "output-diff")]
    pub output_diff: bool,
}

/// The outputter a function's return is printed with when `--out` is not
/// given: `highstate` for the state runs (Salt's `__outputter__` of its
/// state module), `nested` for everything else.
pub fn default_format(fun: &str) -> salt_output::Format {
    const HIGHSTATE: &[&str] = &[
        "state.apply",
        "state.check_request",
        "state.highstate",
        "state.pkg",
        "state.request",
        "state.run_request",
        "state.single",
        "state.sls",
        "state.sls_id",
        "state.template",
        "state.template_str",
        "state.test",
        "state.top",
    ];
    if HIGHSTATE.contains(&fun) {
        salt_output::Format::Highstate
    } else {
        salt_output::Format::Nested
    }
}

/// The highstate outputter's settings from the config file (Salt's keys of
/// the same names), before the command line overrides them.
#[derive(Debug, Clone, Default)]
pub struct StateOutputConfig {
    pub state_output: Option<String>,
    pub state_verbose: Option<bool>,
    pub state_output_diff: Option<bool>,
    pub state_output_profile: Option<bool>,
    pub state_output_pct: Option<bool>,
    pub state_compress_ids: Option<bool>,
    pub state_tabular: Option<salt_config::StateTabular>,
    pub state_output_exclude: Option<Vec<String>>,
    pub state_output_terse: Option<Vec<String>>,
}

/// The same keys read by both daemons' configs.
macro_rules! state_output_config {
    ($cfg:ty) => {
        impl From<&$cfg> for StateOutputConfig {
            fn from(c: &$cfg) -> Self {
                StateOutputConfig {
                    state_output: c.state_output.clone(),
                    state_verbose: c.state_verbose,
                    state_output_diff: c.state_output_diff,
                    state_output_profile: c.state_output_profile,
                    state_output_pct: c.state_output_pct,
                    state_compress_ids: c.state_compress_ids,
                    state_tabular: c.state_tabular.clone(),
                    state_output_exclude: c.state_output_exclude.clone(),
                    state_output_terse: c.state_output_terse.clone(),
                }
            }
        }
    };
}
state_output_config!(salt_config::MinionConfig);
state_output_config!(salt_config::MasterConfig);

impl OutputFlags {
    /// The highstate settings: Salt's defaults, then the config, then the
    /// flags (as Salt does: a flag wins over the config key).
    pub fn highstate(
        &self,
        cfg: &StateOutputConfig,
    ) -> Result<salt_output::highstate::HighstateOptions, String> {
        use salt_output::highstate::{HighstateOptions, StateOutput};
        let mut o = HighstateOptions::default();
        if let Some(s) = self.state_output.as_deref().or(cfg.state_output.as_deref()) {
            o.state_output = StateOutput::from_salt(s);
        }
        if let Some(v) = cfg.state_verbose {
            o.state_verbose = v;
        }
        if let Some(v) = self.state_verbose.as_deref() {
            o.state_verbose = match v {
                "True" | "true" => true,
                "False" | "false" => false,
                other => {
                    return Err(format!("--state-verbose={other}: use True or False"));
                }
            };
        }
        o.state_output_diff = self.output_diff || cfg.state_output_diff.unwrap_or(false);
        if let Some(v) = cfg.state_output_profile {
            o.state_output_profile = v;
        }
        if let Some(v) = cfg.state_output_pct {
            o.state_output_pct = v;
        }
        if let Some(v) = cfg.state_compress_ids {
            o.state_compress_ids = v;
        }
        if let Some(t) = &cfg.state_tabular {
            use salt_output::highstate::Tabular;
            o.state_tabular = match t {
                salt_config::StateTabular::Off => Tabular::Off,
                salt_config::StateTabular::Aligned => Tabular::Aligned,
                salt_config::StateTabular::Format(f) => Tabular::Format(f.clone()),
            };
        }
        if let Some(v) = &cfg.state_output_exclude {
            o.state_output_exclude = v.clone();
        }
        if let Some(v) = &cfg.state_output_terse {
            o.state_output_terse = v.clone();
        }
        Ok(o)
    }

    pub fn format(&self, default: Format) -> Result<Format, String> {
        match &self.out {
            None => Ok(default),
            Some(s) => s.parse::<Format>().map_err(|e| e.to_string()),
        }
    }

    pub fn options(&self, static_: bool) -> Options {
        let color = if self.no_color {
            false
        } else if self.force_color {
            true
        } else {
            self.out_file.is_none() && std::io::stdout().is_terminal()
        };
        Options {
            indent: self.out_indent,
            color,
            static_,
            highstate: Default::default(),
        }
    }

    /// Where output goes: stdout, or the --out-file.
    pub fn sink(&self) -> Result<Box<dyn Write>, String> {
        match &self.out_file {
            None => Ok(Box::new(std::io::stdout())),
            Some(p) => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .write(true)
                    .append(self.out_file_append)
                    .truncate(!self.out_file_append)
                    .open(p)
                    .map_err(|e| format!("cannot open {}: {e}", p.display()))?;
                Ok(Box::new(f))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        out: OutputFlags,
    }

    #[test]
    fn state_runs_default_to_highstate() {
        assert_eq!(
            default_format("state.apply"),
            salt_output::Format::Highstate
        );
        assert_eq!(
            default_format("state.sls_id"),
            salt_output::Format::Highstate
        );
        assert_eq!(
            default_format("state.show_sls"),
            salt_output::Format::Nested
        );
        assert_eq!(default_format("test.ping"), salt_output::Format::Nested);
    }

    #[test]
    fn flags_override_the_config() {
        use salt_output::highstate::{Mode, StateOutput};
        let cfg = StateOutputConfig {
            state_output: Some("terse".into()),
            state_verbose: Some(false),
            ..StateOutputConfig::default()
        };
        let t = T::parse_from(["x"]);
        let o = t.out.highstate(&cfg).unwrap();
        assert_eq!(o.state_output, StateOutput::from_salt("terse"));
        assert!(!o.state_verbose);
        let t = T::parse_from([
            "x",
            "--state-output=mixed_id",
            "--state-verbose=True",
            "--output-diff",
        ]);
        let o = t.out.highstate(&cfg).unwrap();
        assert_eq!(o.state_output, StateOutput::from_salt("mixed_id"));
        assert_ne!(o.state_output.mode, Mode::Full);
        assert!(o.state_verbose && o.state_output_diff);
        let t = T::parse_from(["x", "--state-verbose=maybe"]);
        assert!(t.out.highstate(&cfg).is_err());
    }
}
