//! `salt-rs-key`: manage the master's minion keys (see `salt_cli::key`).

fn main() -> std::process::ExitCode {
    salt_cli::key::main()
}
