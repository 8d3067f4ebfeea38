fn main() -> std::process::ExitCode {
    salt_cli::salt::main()
}
