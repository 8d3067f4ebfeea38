fn main() -> std::process::ExitCode {
    salt_cli::daemon::master_main()
}
