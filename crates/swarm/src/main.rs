//! The `salt-rs-swarm` binary: parses the arguments and hands over to
//! [`salt_swarm::main`], which holds everything worth testing.

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    salt_swarm::main()
}
