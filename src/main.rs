//! The `timescales` binary: parses the command line and hands over to [`timescales::cli`].

fn main() -> std::process::ExitCode {
    timescales::cli::main()
}
