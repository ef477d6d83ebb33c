//! Shell completion: `swift bash_completion [command]` (the reference's word list) and
//! `swift completion bash|zsh|fish` (complete scripts, ours).

use crate::argparse::Parser;
use crate::errors::CliError;
use crate::opts::{self, Env};
use crate::{CmdResult, Ctx};

/// Environment without variables: completion words do not depend on defaults.
struct NoEnv;

impl Env for NoEnv {
    fn var(&self, _: &str) -> Option<String> {
        None
    }
}

/// Options of ours, left out of the reference's `bash_completion` word list.
const OWN_OPTIONS: [&str; 2] = ["--os-cloud", "--token-cache"];

fn reference_strings(p: &Parser) -> Vec<&'static str> {
    p.option_strings()
        .filter(|s| !OWN_OPTIONS.contains(s))
        .collect()
}

/// The options of one subcommand as the reference's `bash_completion <cmd>` lists them: a
/// fresh parser with `-h/--help`, the default options and the command's own.
fn command_parser(cmd: &str) -> Parser {
    let mut p = Parser::new();
    p.add(crate::argparse::Opt::new(
        &["-h", "--help"],
        "help",
        crate::argparse::Kind::StoreTrue,
        crate::argparse::Val::Bool(false),
    ));
    opts::add_default_args(&mut p, &NoEnv);
    opts::add_command_options(&mut p, cmd);
    p
}

/// `swift bash_completion [command]`.
pub fn bash_completion(ctx: &Ctx<'_>) -> CmdResult {
    // Like the reference, the command to complete is the second word of the command line.
    match ctx.argv.get(1) {
        Some(com) => {
            if opts::COMMANDS.contains(&com.as_str()) {
                let p = command_parser(com);
                ctx.out.print(&reference_strings(&p).join(" "));
            } else {
                ctx.out.print("");
            }
        }
        None => {
            let p = opts::global_parser(&NoEnv);
            let mut words: Vec<&str> = opts::COMMANDS
                .iter()
                .copied()
                .filter(|c| *c != "bash_completion")
                .collect();
            words.extend(reference_strings(&p));
            ctx.out.print(&words.join(" "));
        }
    }
    Ok(())
}

fn all_commands() -> Vec<&'static str> {
    opts::COMMANDS
        .iter()
        .chain(opts::OWN_COMMANDS.iter())
        .copied()
        .collect()
}

fn words_for(cmd: Option<&str>) -> Vec<&'static str> {
    match cmd {
        None => {
            let mut w = all_commands();
            w.extend(opts::global_parser(&NoEnv).option_strings());
            w
        }
        Some("completion") => vec!["bash", "zsh", "fish"],
        Some(c) => command_parser(c).option_strings().collect(),
    }
}

/// The bash script.
pub fn bash_script() -> String {
    let mut cases = String::new();
    for c in all_commands() {
        cases.push_str(&format!(
            "        {c}) opts=\"{}\" ;;\n",
            words_for(Some(c)).join(" ")
        ));
    }
    format!(
        r#"# bash completion for swift (swiftclient-rs); load with: source <(swift completion bash)
_swift() {{
    local cur cmd opts i
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    cmd=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${{COMP_WORDS[i]}}" in
            -*) ;;
            *) cmd="${{COMP_WORDS[i]}}"; break ;;
        esac
    done
    case "$cmd" in
        "") opts="{top}" ;;
{cases}        *) opts="" ;;
    esac
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}}
complete -o default -F _swift swift
"#,
        top = words_for(None).join(" "),
    )
}

/// The zsh script.
pub fn zsh_script() -> String {
    let mut cases = String::new();
    for c in all_commands() {
        cases.push_str(&format!(
            "        {c}) words_=({}) ;;\n",
            words_for(Some(c)).join(" ")
        ));
    }
    format!(
        r#"#compdef swift
# zsh completion for swift (swiftclient-rs); install as _swift in a directory of $fpath
_swift() {{
    local cmd="" w
    local -a words_
    for w in ${{words[2,CURRENT-1]}}; do
        case "$w" in
            -*) ;;
            *) cmd="$w"; break ;;
        esac
    done
    case "$cmd" in
        "") words_=({top}) ;;
{cases}    esac
    compadd -a words_
    _files
}}
compdef _swift swift
"#,
        top = words_for(None).join(" "),
    )
}

/// The fish script.
pub fn fish_script() -> String {
    let mut out = String::from(
        "# fish completion for swift (swiftclient-rs); save as ~/.config/fish/completions/swift.fish\n",
    );
    let cmds = all_commands();
    out.push_str(&format!(
        "complete -c swift -n '__fish_use_subcommand' -f -a '{}'\n",
        cmds.join(" ")
    ));
    for opt in opts::global_parser(&NoEnv).option_strings() {
        out.push_str(&fish_option("__fish_use_subcommand", opt));
    }
    for c in cmds {
        let cond = format!("__fish_seen_subcommand_from {c}");
        for w in words_for(Some(c)) {
            if w.starts_with('-') {
                out.push_str(&fish_option(&cond, w));
            } else {
                out.push_str(&format!("complete -c swift -n '{cond}' -f -a '{w}'\n"));
            }
        }
    }
    out
}

fn fish_option(cond: &str, opt: &str) -> String {
    match opt.strip_prefix("--") {
        Some(long) => format!("complete -c swift -n '{cond}' -l '{long}'\n"),
        None => format!(
            "complete -c swift -n '{cond}' -s '{}'\n",
            opt.trim_start_matches('-')
        ),
    }
}

/// `swift completion bash|zsh|fish`.
pub fn completion(ctx: &Ctx<'_>) -> CmdResult {
    let shell = ctx.argv.iter().skip_while(|a| *a != "completion").nth(1);
    let script = match shell.map(String::as_str) {
        Some("bash") => bash_script(),
        Some("zsh") => zsh_script(),
        Some("fish") => fish_script(),
        _ => {
            if let Some(text) = opts::command_usage("completion") {
                ctx.out.error(&text);
            }
            return Err(CliError::Reported);
        }
    };
    ctx.out.raw_text(&script);
    ctx.out.flush();
    Ok(())
}
