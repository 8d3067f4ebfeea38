fn main() -> std::process::ExitCode {
    salt_cli::run::main()
}
