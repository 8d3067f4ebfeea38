//! Hardware and kernel grains from `/proc` text: CPU (`num_cpus`,
//! `cpu_model`, `cpu_flags`), memory (`mem_total`, `swap_total` in MiB) and
//! the kernel command line (`kernelparams`).
//!
//! Pure parsers, so x86, ARM, POWER and s390 layouts can be tested from
//! fixtures; the caller reads the files.

use serde_json::{Map, Value};

/// `num_cpus`, `cpu_model` and `cpu_flags` from `/proc/cpuinfo`, with Salt's
/// fallbacks (0, "Unknown", []) for what the text does not say.
pub fn parse_cpuinfo(text: &str) -> Map<String, Value> {
    let mut num_cpus: u64 = 0;
    let mut model: Option<String> = None;
    let mut flags: Option<Vec<Value>> = None;
    for line in text.lines() {
        let mut comps = line.split(':');
        let (Some(key), Some(val)) = (comps.next(), comps.next()) else {
            continue;
        };
        let (key, val) = (key.trim(), val.trim());
        match key {
            "processor" => num_cpus += 1,
            // s390: "# processors    : 2"
            "# processors" => num_cpus = val.parse().unwrap_or(num_cpus),
            "vendor_id" | "model name" | "cpu" => model = Some(val.to_owned()),
            "flags" | "Features" => flags = Some(val.split_whitespace().map(Value::from).collect()),
            // Old ARM: "Processor : ARMv6-compatible processor rev 7 (v6l)"
            "Processor" => {
                model = Some(val.split('-').next().unwrap_or(val).to_owned());
                num_cpus = 1;
            }
            _ => {}
        }
    }
    let mut g = Map::new();
    g.insert("num_cpus".into(), num_cpus.into());
    g.insert(
        "cpu_model".into(),
        model.unwrap_or_else(|| "Unknown".into()).into(),
    );
    g.insert("cpu_flags".into(), Value::Array(flags.unwrap_or_default()));
    g
}

/// `mem_total` and `swap_total` in MiB (floor) from `/proc/meminfo`; 0 when
/// a line is missing or unreadable.
pub fn parse_meminfo(text: &str) -> Map<String, Value> {
    let mut mem: u64 = 0;
    let mut swap: u64 = 0;
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let kib = rest
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok());
        match (key.trim(), kib) {
            ("MemTotal", Some(k)) => mem = k / 1024,
            ("SwapTotal", Some(k)) => swap = k / 1024,
            _ => {}
        }
    }
    let mut g = Map::new();
    g.insert("mem_total".into(), mem.into());
    g.insert("swap_total".into(), swap.into());
    g
}

/// `kernelparams` from `/proc/cmdline`: a list of `[name, value-or-null]`
/// pairs, words split like a POSIX shell, a value only for `name=value`
/// with exactly one `=`, its double quotes stripped.
pub fn parse_kernel_cmdline(text: &str) -> Value {
    let params = shell_words(text)
        .into_iter()
        .map(|word| {
            let parts: Vec<&str> = word.split('=').collect();
            let value = match parts.as_slice() {
                [_, v] => Value::String(v.trim_matches('"').to_owned()),
                _ => Value::Null,
            };
            Value::Array(vec![
                Value::String(parts.first().copied().unwrap_or("").to_owned()),
                value,
            ])
        })
        .collect();
    Value::Array(params)
}

/// Splits text into words like a POSIX shell: whitespace separates,
/// single and double quotes group, backslash escapes. An unterminated quote
/// runs to the end of the text.
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => cur.push(e),
                            Some(e) => {
                                cur.push('\\');
                                cur.push(e);
                            }
                            None => cur.push('\\'),
                        },
                        q => cur.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(e) = chars.next() {
                    cur.push(e);
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const X86: &str = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu vme de\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu vme de\n\n";
    const ARM64: &str = "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm\nCPU implementer\t: 0x41\n\nprocessor\t: 1\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm\n";
    const PPC: &str = "processor\t: 0\ncpu\t\t: POWER9 (architected), altivec supported\nclock\t\t: 2750.000000MHz\n";

    #[test]
    fn cpuinfo_x86() {
        let g = parse_cpuinfo(X86);
        assert_eq!(
            Value::Object(g),
            json!({"num_cpus": 2, "cpu_model": "Intel(R) Xeon(R) Processor", "cpu_flags": ["fpu", "vme", "de"]})
        );
    }

    #[test]
    fn cpuinfo_arm_and_power() {
        let g = parse_cpuinfo(ARM64);
        assert_eq!(g["num_cpus"], 2);
        assert_eq!(g["cpu_model"], "Unknown");
        assert_eq!(g["cpu_flags"], json!(["fp", "asimd", "evtstrm"]));
        let g = parse_cpuinfo(PPC);
        assert_eq!(g["cpu_model"], "POWER9 (architected), altivec supported");
        assert_eq!(g["cpu_flags"], json!([]));
    }

    #[test]
    fn cpuinfo_empty_gives_fallbacks() {
        assert_eq!(
            Value::Object(parse_cpuinfo("")),
            json!({"num_cpus": 0, "cpu_model": "Unknown", "cpu_flags": []})
        );
    }

    #[test]
    fn meminfo_floors_to_mib() {
        let g = parse_meminfo(
            "MemTotal:       24684048 kB\nMemFree:  1 kB\nSwapTotal:       2097148 kB\n",
        );
        assert_eq!(
            Value::Object(g),
            json!({"mem_total": 24105, "swap_total": 2047})
        );
        let g = parse_meminfo("garbage\nMemTotal: x kB\n");
        assert_eq!(Value::Object(g), json!({"mem_total": 0, "swap_total": 0}));
    }

    #[test]
    fn kernel_cmdline_pairs() {
        let v = parse_kernel_cmdline("console=ttyS0 quiet root=\"/dev/vda 1\" a=b=c -- x\n");
        assert_eq!(
            v,
            json!([
                ["console", "ttyS0"],
                ["quiet", null],
                ["root", "/dev/vda 1"],
                ["a", null],
                ["--", null],
                ["x", null]
            ])
        );
    }
}
