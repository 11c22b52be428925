//! The `mlplab` command line: parses, calls the library, prints. No training logic here.

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` are not errors; a wrong command line is `USAGE`.
            let _ = e.print();
            let code = if e.use_stderr() {
                cli::exit::USAGE
            } else {
                cli::exit::SUCCESS
            };
            return std::process::ExitCode::from(code);
        }
    };
    match cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // The reader of standard output went away (`| head`): done, quietly.
        Err(err) if err.downcast_ref::<cli::out::StdoutClosed>().is_some() => {
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {}", cli::exit::message(&err));
            std::process::ExitCode::from(cli::exit::code_of(&err))
        }
    }
}
