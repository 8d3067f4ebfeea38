fn main() -> std::process::ExitCode {
    salt_cli::call::main()
}
