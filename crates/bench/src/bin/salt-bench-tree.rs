//! `salt-bench-tree DIR [OUT]`: writes the benchmark state tree
//! (`salt_bench::generate`) under DIR, for states that write under OUT
//! (default `DIR/out`), and prints the state and pillar roots.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: salt-bench-tree DIR [OUT]");
        return ExitCode::from(2);
    };
    let dir = match std::path::absolute(&dir) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("salt-bench-tree: {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    let out = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("out"));
    match salt_bench::generate(&dir, &out.display().to_string()) {
        Ok((states, pillar)) => {
            println!("{}", states.display());
            println!("{}", pillar.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("salt-bench-tree: writing under {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}
