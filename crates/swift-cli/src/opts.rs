//! The options of `swift`: the global ones (with their environment defaults) and each
//! subcommand's, in the order python-swiftclient adds them (which decides abbreviations).

use crate::argparse::{Kind, Opt, Parser, Ty, Val};

/// The subcommands the reference knows (`info` is `capabilities`).
pub const COMMANDS: [&str; 12] = [
    "delete",
    "download",
    "list",
    "post",
    "copy",
    "stat",
    "upload",
    "capabilities",
    "info",
    "tempurl",
    "auth",
    "bash_completion",
];

/// Our own subcommands (beyond the reference).
pub const OWN_COMMANDS: [&str; 1] = ["completion"];

/// The environment as the parser reads it: `Some("")` for a variable that is set but empty.
pub trait Env {
    /// The variable's value, if set.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
    }
}

fn env_default(env: &dyn Env, name: &str) -> Val {
    match env.var(name) {
        Some(v) => Val::Str(v),
        None => Val::None,
    }
}

fn flag(strings: &[&'static str], dest: &'static str) -> Opt {
    Opt::new(strings, dest, Kind::StoreTrue, Val::Bool(false))
}

fn store(strings: &[&'static str], dest: &'static str, default: Val) -> Opt {
    Opt::new(strings, dest, Kind::Store(Ty::Str), default)
}

fn append(strings: &[&'static str], dest: &'static str) -> Opt {
    Opt::new(strings, dest, Kind::Append, Val::List(Vec::new()))
}

fn int(strings: &[&'static str], dest: &'static str, default: i64) -> Opt {
    Opt::new(strings, dest, Kind::Store(Ty::Int), Val::Int(default))
}

/// The OpenStack options: (option, hidden underscore alias or "", dest, environment variable).
pub const OS_OPTIONS: [(&str, &str, &str, &str); 23] = [
    (
        "--os-username",
        "--os_username",
        "os_username",
        "OS_USERNAME",
    ),
    ("--os-user-id", "--os_user_id", "os_user_id", "OS_USER_ID"),
    (
        "--os-user-domain-id",
        "--os_user_domain_id",
        "os_user_domain_id",
        "OS_USER_DOMAIN_ID",
    ),
    (
        "--os-user-domain-name",
        "--os_user_domain_name",
        "os_user_domain_name",
        "OS_USER_DOMAIN_NAME",
    ),
    (
        "--os-password",
        "--os_password",
        "os_password",
        "OS_PASSWORD",
    ),
    (
        "--os-tenant-id",
        "--os_tenant_id",
        "os_tenant_id",
        "OS_TENANT_ID",
    ),
    (
        "--os-tenant-name",
        "--os_tenant_name",
        "os_tenant_name",
        "OS_TENANT_NAME",
    ),
    (
        "--os-project-id",
        "--os_project_id",
        "os_project_id",
        "OS_PROJECT_ID",
    ),
    (
        "--os-project-name",
        "--os_project_name",
        "os_project_name",
        "OS_PROJECT_NAME",
    ),
    (
        "--os-project-domain-id",
        "--os_project_domain_id",
        "os_project_domain_id",
        "OS_PROJECT_DOMAIN_ID",
    ),
    (
        "--os-project-domain-name",
        "--os_project_domain_name",
        "os_project_domain_name",
        "OS_PROJECT_DOMAIN_NAME",
    ),
    (
        "--os-auth-url",
        "--os_auth_url",
        "os_auth_url",
        "OS_AUTH_URL",
    ),
    (
        "--os-auth-type",
        "--os_auth_type",
        "os_auth_type",
        "OS_AUTH_TYPE",
    ),
    (
        "--os-application-credential-id",
        "--os_application_credential_id",
        "os_application_credential_id",
        "OS_APPLICATION_CREDENTIAL_ID",
    ),
    (
        "--os-application-credential-secret",
        "--os_application_credential_secret",
        "os_application_credential_secret",
        "OS_APPLICATION_CREDENTIAL_SECRET",
    ),
    (
        "--os-auth-token",
        "--os_auth_token",
        "os_auth_token",
        "OS_AUTH_TOKEN",
    ),
    (
        "--os-storage-url",
        "--os_storage_url",
        "os_storage_url",
        "OS_STORAGE_URL",
    ),
    (
        "--os-region-name",
        "--os_region_name",
        "os_region_name",
        "OS_REGION_NAME",
    ),
    (
        "--os-service-type",
        "--os_service_type",
        "os_service_type",
        "OS_SERVICE_TYPE",
    ),
    (
        "--os-endpoint-type",
        "--os_endpoint_type",
        "os_endpoint_type",
        "OS_ENDPOINT_TYPE",
    ),
    ("--os-cacert", "", "os_cacert", "OS_CACERT"),
    ("--os-cert", "", "os_cert", "OS_CERT"),
    ("--os-key", "", "os_key", "OS_KEY"),
];

/// python-swiftclient's `add_default_args` (without `--version` and `-h`).
pub fn add_default_args(p: &mut Parser, env: &dyn Env) {
    let version = [
        "ST_AUTH_VERSION",
        "OS_AUTH_VERSION",
        "OS_IDENTITY_API_VERSION",
    ]
    .iter()
    .find_map(|k| env.var(k))
    .unwrap_or_else(|| "1.0".to_owned());
    p.add(flag(&["--os-help"], "os_help"));
    p.add(flag(&["--os_help"], "os_help"));
    p.add(Opt::new(
        &["-v", "--verbose"],
        "verbose",
        Kind::Count,
        Val::Int(1),
    ));
    p.add(flag(&["--debug"], "debug"));
    p.add(flag(&["--debug-with-secrets"], "debug_with_secrets"));
    p.add(flag(&["--info"], "info"));
    p.add(Opt::new(
        &["-q", "--quiet"],
        "verbose",
        Kind::StoreConst(Val::Int(0)),
        Val::Int(1),
    ));
    p.add(store(
        &["-A", "--auth"],
        "auth",
        env_default(env, "ST_AUTH"),
    ));
    p.add(store(
        &["-V", "--auth-version", "--os-identity-api-version"],
        "auth_version",
        Val::Str(version),
    ));
    p.add(store(
        &["-U", "--user"],
        "user",
        env_default(env, "ST_USER"),
    ));
    p.add(store(&["-K", "--key"], "key", env_default(env, "ST_KEY")));
    p.add(Opt::new(
        &["-T", "--timeout"],
        "timeout",
        Kind::Store(Ty::Timeout),
        Val::None,
    ));
    p.add(int(&["-R", "--retries"], "retries", 5));
    let insecure = env
        .var("SWIFTCLIENT_INSECURE")
        .is_some_and(|v| swiftclient::Settings::config_true_value(&v));
    p.add(Opt::new(
        &["--insecure"],
        "insecure",
        Kind::StoreTrue,
        Val::Bool(insecure),
    ));
    p.add(Opt::new(
        &["--no-ssl-compression"],
        "ssl_compression",
        Kind::StoreFalse,
        Val::Bool(true),
    ));
    p.add(flag(&["--force-auth-retry"], "force_auth_retry"));
    p.add(flag(&["--prompt"], "prompt"));
    for (opt, alias, dest, var) in OS_OPTIONS {
        p.add(store(&[opt], dest, env_default(env, var)));
        if !alias.is_empty() {
            p.add(store(&[alias], dest, Val::None));
        }
    }
    // Ours, beyond the reference: matched only when spelled out in full, so that none of the
    // reference's abbreviations becomes ambiguous.
    p.add(store(&["--os-cloud"], "os_cloud", Val::None).exact());
    p.add(flag(&["--token-cache"], "token_cache").exact());
}

/// The parser of `main()` before a subcommand is known.
pub fn global_parser(env: &dyn Env) -> Parser {
    let mut p = Parser::new();
    p.add(Opt::new(
        &["--version"],
        "version",
        Kind::Version("python-swiftclient 4.11.0"),
        Val::None,
    ));
    p.add(flag(&["-h", "--help"], "help"));
    add_default_args(&mut p, env);
    p
}

/// Adds the options of subcommand `cmd` (python's `st_<cmd>(parser, ...)`).
pub fn add_command_options(p: &mut Parser, cmd: &str) {
    match cmd {
        "delete" => {
            p.add(flag(&["-a", "--all"], "yes_all"));
            p.add(flag(&["--versions"], "versions"));
            p.add(store(&["-p", "--prefix"], "prefix", Val::None));
            p.add(store(&["--version-id"], "version_id", Val::None));
            p.add(append(&["-H", "--header"], "header"));
            p.add(flag(&["--leave-segments"], "leave_segments"));
            p.add(int(&["--object-threads"], "object_threads", 10));
            p.add(int(&["--container-threads"], "container_threads", 10));
        }
        "download" => {
            p.add(flag(&["-a", "--all"], "yes_all"));
            p.add(store(
                &["-m", "--marker"],
                "marker",
                Val::Str(String::new()),
            ));
            p.add(store(&["-p", "--prefix"], "prefix", Val::None));
            p.add(store(&["-o", "--output"], "out_file", Val::None));
            p.add(store(&["-D", "--output-dir"], "out_directory", Val::None));
            p.add(flag(&["-r", "--remove-prefix"], "remove_prefix"));
            p.add(int(&["--object-threads"], "object_threads", 10));
            p.add(int(&["--container-threads"], "container_threads", 10));
            p.add(flag(&["--no-download"], "no_download"));
            p.add(append(&["-H", "--header"], "header"));
            p.add(flag(&["--skip-identical"], "skip_identical"));
            p.add(store(&["--version-id"], "version_id", Val::None));
            p.add(Opt::new(
                &["--ignore-checksum"],
                "checksum",
                Kind::StoreFalse,
                Val::Bool(true),
            ));
            p.add(Opt::new(
                &["--no-shuffle"],
                "shuffle",
                Kind::StoreFalse,
                Val::Bool(true),
            ));
            p.add(flag(&["--ignore-mtime"], "ignore_mtime"));
            // Ours: follow links in the output tree that lead out of it (off by default).
            p.add(flag(&["--follow-symlinks"], "follow_symlinks").exact());
        }
        "list" => {
            p.add(flag(&["-l", "--long"], "long"));
            p.add(flag(&["--lh"], "human"));
            p.add(flag(&["-t", "--totals"], "totals"));
            p.add(store(&["-p", "--prefix"], "prefix", Val::None));
            p.add(store(&["-d", "--delimiter"], "delimiter", Val::None));
            p.add(flag(&["-j", "--json"], "json"));
            p.add(flag(&["--versions"], "versions"));
            p.add(append(&["-H", "--header"], "header"));
        }
        "stat" => {
            p.add(flag(&["--lh"], "human"));
            p.add(store(&["--version-id"], "version_id", Val::None));
            p.add(append(&["-H", "--header"], "header"));
        }
        "post" => {
            p.add(store(&["-r", "--read-acl"], "read_acl", Val::None));
            p.add(store(&["-w", "--write-acl"], "write_acl", Val::None));
            p.add(store(&["-t", "--sync-to"], "sync_to", Val::None));
            p.add(store(&["-k", "--sync-key"], "sync_key", Val::None));
            p.add(append(&["-m", "--meta"], "meta"));
            p.add(append(&["-H", "--header"], "header"));
        }
        "copy" => {
            p.add(store(&["-d", "--destination"], "destination", Val::None));
            p.add(flag(&["-M", "--fresh-metadata"], "fresh_metadata"));
            p.add(append(&["-m", "--meta"], "meta"));
            p.add(append(&["-H", "--header"], "header"));
        }
        "upload" => {
            p.add(flag(&["-c", "--changed"], "changed"));
            p.add(flag(&["--skip-identical"], "skip_identical"));
            p.add(flag(&["--skip-container-put"], "skip_container_put"));
            p.add(store(&["-S", "--segment-size"], "segment_size", Val::None));
            p.add(store(
                &["-C", "--segment-container"],
                "segment_container",
                Val::None,
            ));
            p.add(flag(&["--leave-segments"], "leave_segments"));
            p.add(int(&["--object-threads"], "object_threads", 10));
            p.add(int(&["--segment-threads"], "segment_threads", 10));
            p.add(append(&["-m", "--meta"], "meta"));
            p.add(append(&["-H", "--header"], "header"));
            p.add(Opt::new(
                &["--use-slo"],
                "use_slo",
                Kind::StoreConst(Val::Bool(true)),
                Val::None,
            ));
            p.add(Opt::new(
                &["--use-dlo"],
                "use_slo",
                Kind::StoreConst(Val::Bool(false)),
                Val::None,
            ));
            p.add(store(&["--object-name"], "object_name", Val::None));
            p.add(Opt::new(
                &["--ignore-checksum"],
                "checksum",
                Kind::StoreFalse,
                Val::Bool(true),
            ));
        }
        "capabilities" | "info" => {
            p.add(flag(&["--json"], "json"));
        }
        "tempurl" => {
            p.add(flag(&["--absolute"], "absolute_expiry"));
            p.add(flag(&["--prefix-based"], "prefix_based"));
            p.add(flag(&["--iso8601"], "iso8601"));
            p.add(store(&["--ip-range"], "ip_range", Val::None));
            p.add(Opt::new(
                &["--digest"],
                "digest",
                Kind::Store(Ty::Choice(&["sha1", "sha256", "sha512"])),
                Val::Str("sha256".into()),
            ));
        }
        _ => {}
    }
}

/// The `Usage:` options line of a command (python's `st_<cmd>_options`; `auth` has none).
pub fn command_options(cmd: &str) -> &'static str {
    match cmd {
        "delete" => include_str!("help/delete.options.txt"),
        "download" => include_str!("help/download.options.txt"),
        "list" => include_str!("help/list.options.txt"),
        "post" => include_str!("help/post.options.txt"),
        "copy" => include_str!("help/copy.options.txt"),
        "stat" => include_str!("help/stat.options.txt"),
        "upload" => include_str!("help/upload.options.txt"),
        "capabilities" | "info" => include_str!("help/capabilities.options.txt"),
        "tempurl" => include_str!("help/tempurl.options.txt"),
        "bash_completion" => include_str!("help/bash_completion.options.txt"),
        _ => "\n",
    }
}

/// The help text of a command (python's `st_<cmd>_help`).
pub fn command_help(cmd: &str) -> Option<&'static str> {
    Some(match cmd {
        "delete" => include_str!("help/delete.help.txt"),
        "download" => include_str!("help/download.help.txt"),
        "list" => include_str!("help/list.help.txt"),
        "post" => include_str!("help/post.help.txt"),
        "copy" => include_str!("help/copy.help.txt"),
        "stat" => include_str!("help/stat.help.txt"),
        "upload" => include_str!("help/upload.help.txt"),
        "capabilities" | "info" => include_str!("help/capabilities.help.txt"),
        "tempurl" => include_str!("help/tempurl.help.txt"),
        "auth" => include_str!("help/auth.help.txt"),
        "bash_completion" => include_str!("help/bash_completion.help.txt"),
        "completion" => COMPLETION_HELP,
        _ => return None,
    })
}

/// `Usage: swift <cmd> <options>\n<help>`, as `swift <cmd> --help` and usage errors print it.
pub fn command_usage(cmd: &str) -> Option<String> {
    let help = command_help(cmd)?;
    let opts = if cmd == "completion" {
        COMPLETION_OPTIONS
    } else {
        command_options(cmd)
    };
    Some(format!("Usage: swift {cmd} {opts}\n{help}"))
}

/// `swift -h`.
pub const MAIN_HELP: &str = include_str!("help/main_help.txt");
/// `swift --os-help`.
pub const OS_HELP: &str = include_str!("help/os_help.txt");
/// `swift` with an unknown command (stdout).
pub const MAIN_USAGE: &str = include_str!("help/main_usage.txt");

const COMPLETION_OPTIONS: &str = "<bash|zsh|fish>\n";
const COMPLETION_HELP: &str = "Print a shell completion script (not in python-swiftclient).

Positional arguments:
  <shell>               bash, zsh or fish.

Examples:
  swift completion bash > /etc/bash_completion.d/swift
  swift completion zsh > \"${fpath[1]}/_swift\"
  swift completion fish > ~/.config/fish/completions/swift.fish";
