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
}

impl OutputFlags {
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
