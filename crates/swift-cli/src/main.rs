//! `swift`: the OpenStack Swift command line, a drop-in for python-swiftclient 4.11's.
//!
//! Parsing follows python-swiftclient's two passes over the whole command line (global
//! options first, then again with the subcommand's options added), so options may come
//! before or after the subcommand, long options may be abbreviated, and unknown options end
//! up as positional arguments, exactly as with the reference.

mod argparse;
mod cmd;
mod completion;
mod conn;
mod errors;
mod logging;
mod opts;
mod output;
mod progress;
mod pyfmt;
mod pyjson;

use std::io::Write;

use argparse::{Namespace, Stop};
use errors::CliError;
use opts::{Env, ProcessEnv};
use output::Output;

/// Everything a subcommand gets.
pub struct Ctx<'a> {
    /// The parsed options.
    pub ns: Namespace,
    /// The positional arguments after the subcommand's name.
    pub args: Vec<String>,
    /// The subcommand as typed (`info` stays `info`).
    pub cmd: String,
    /// The raw arguments (without the program name).
    pub argv: Vec<String>,
    /// Where output goes.
    pub out: &'a Output,
}

fn main() {
    let code = run();
    std::process::exit(code);
}

fn write_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// The usage part of a parser's help, as argparse's `error()` prints it.
fn argparse_error(usage: &str, msg: &str) -> i32 {
    write_stderr(&format!("usage: {usage}\nswift: error: {msg}\n"));
    2
}

fn main_usage_body() -> &'static str {
    opts::MAIN_USAGE
        .strip_prefix("usage: ")
        .unwrap_or(opts::MAIN_USAGE)
        .trim_end_matches('\n')
}

fn run() -> i32 {
    let argv: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let env = ProcessEnv;
    run_with(&argv, &env)
}

fn run_with(argv: &[String], env: &dyn Env) -> i32 {
    let parse_args: Vec<String> = if argv.is_empty() {
        vec!["-h".to_owned()]
    } else {
        argv.to_vec()
    };
    let global = opts::global_parser(env);
    let (ns, extras) = match global.parse_known_args(&parse_args) {
        Ok(r) => r,
        Err(Stop::Error(msg)) => return argparse_error(main_usage_body(), &msg),
        Err(Stop::Version(v)) => {
            write_stdout(&format!("{v}\n"));
            return 0;
        }
    };
    if !extras.is_empty() && ns.truthy("help") {
        match opts::command_usage(&extras[0]) {
            Some(text) => write_stdout(&format!("{text}\n")),
            None => write_stdout(&format!("no such command: {}\n", extras[0])),
        }
        return 0;
    }
    if ns.truthy("help") || ns.truthy("os_help") {
        if ns.truthy("help") {
            write_stdout(opts::MAIN_HELP);
        } else {
            write_stdout(opts::OS_HELP);
        }
        return 0;
    }
    let Some(cmd) = extras
        .first()
        .filter(|c| {
            opts::COMMANDS.contains(&c.as_str()) || opts::OWN_COMMANDS.contains(&c.as_str())
        })
        .cloned()
    else {
        write_stdout(opts::MAIN_USAGE);
        if let Some(c) = extras.first() {
            write_stderr(&format!("no such command: {c}\n"));
            return 1;
        }
        return 0;
    };

    // The second pass: the subcommand's options join the global ones.
    let mut parser = opts::global_parser(env);
    opts::add_command_options(&mut parser, &cmd);
    let usage = opts::command_help(&cmd).unwrap_or("");
    let (mut ns, extras) = if cmd == "bash_completion" || cmd == "completion" {
        (ns, extras)
    } else {
        match parser.parse_known_args(&parse_args) {
            Ok(r) => r,
            Err(Stop::Error(msg)) => return argparse_error(usage, &msg),
            Err(Stop::Version(v)) => {
                write_stdout(&format!("{v}\n"));
                return 0;
            }
        }
    };
    logging::init(&ns);

    let out = Output::new();
    let needs_auth_checks = !matches!(cmd.as_str(), "bash_completion" | "completion");
    if needs_auth_checks {
        let first = extras.first().map(String::as_str).unwrap_or(cmd.as_str());
        if let Err(e) = conn::check_auth(&mut ns, first, &extras) {
            errors::report(&out, e);
            return exit_status(&out);
        }
    }
    let ctx = Ctx {
        ns,
        args: extras.get(1..).map(<[String]>::to_vec).unwrap_or_default(),
        cmd: cmd.clone(),
        argv: argv.to_vec(),
        out: &out,
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            write_stderr(&format!("cannot start the runtime: {e}\n"));
            return 1;
        }
    };
    // Ctrl-C drops the command: its job is cancelled, and dropping the runtime below drops
    // every task with it, whose guards remove their temporary files. Only then do we exit 2.
    let result = rt.block_on(async {
        tokio::select! {
            r = cmd::dispatch(ctx) => Some(r),
            _ = interrupted() => None,
        }
    });
    let Some(result) = result else {
        write_stderr(" Aborted\n");
        rt.shutdown_timeout(std::time::Duration::from_secs(5));
        return 2;
    };
    if let Err(e) = result {
        errors::report(&out, e);
    }
    rt.shutdown_background();
    exit_status(&out)
}

/// Resolves on Ctrl-C (SIGINT); never, when the signal cannot be watched.
async fn interrupted() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn exit_status(out: &Output) -> i32 {
    if out.error_count() > 0 {
        1
    } else {
        0
    }
}

/// A `Result` of a subcommand.
pub type CmdResult = Result<(), CliError>;
