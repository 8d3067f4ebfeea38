fn main() -> std::process::ExitCode {
    salt_cli::daemon::minion_main()
}
