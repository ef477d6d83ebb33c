//! From parsed options to a [`Connection`]: python-swiftclient's `process_options`, the
//! authentication checks of its `parse_args`, `--os-cloud`, and the opt-in token cache.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use swiftclient::{Connection, Secret, Settings};

use crate::argparse::{Namespace, Val};
use crate::errors::CliError;

/// What kind of value a setting holds.
#[derive(Clone, Copy)]
enum Field {
    Text(fn(&mut Settings) -> &mut Option<String>),
    Secret(fn(&mut Settings) -> &mut Option<Secret>),
    Path(fn(&mut Settings) -> &mut Option<PathBuf>),
}

/// The one table from option names (the namespace's `dest`s) to the library's [`Settings`]
/// fields: used to build the settings from the options, and to fill the options from a
/// `clouds.yaml` cloud. (`insecure`, `timeout` and `retries` are not text and are set apart.)
const FIELDS: &[(&str, Field)] = &[
    ("auth", Field::Text(|s| &mut s.auth)),
    ("auth_version", Field::Text(|s| &mut s.auth_version)),
    ("user", Field::Text(|s| &mut s.user)),
    ("key", Field::Secret(|s| &mut s.key)),
    ("os_username", Field::Text(|s| &mut s.os_username)),
    ("os_user_id", Field::Text(|s| &mut s.os_user_id)),
    (
        "os_user_domain_name",
        Field::Text(|s| &mut s.os_user_domain_name),
    ),
    (
        "os_user_domain_id",
        Field::Text(|s| &mut s.os_user_domain_id),
    ),
    ("os_password", Field::Secret(|s| &mut s.os_password)),
    ("os_tenant_id", Field::Text(|s| &mut s.os_tenant_id)),
    ("os_tenant_name", Field::Text(|s| &mut s.os_tenant_name)),
    ("os_project_id", Field::Text(|s| &mut s.os_project_id)),
    ("os_project_name", Field::Text(|s| &mut s.os_project_name)),
    (
        "os_project_domain_id",
        Field::Text(|s| &mut s.os_project_domain_id),
    ),
    (
        "os_project_domain_name",
        Field::Text(|s| &mut s.os_project_domain_name),
    ),
    ("os_auth_url", Field::Text(|s| &mut s.os_auth_url)),
    ("os_auth_token", Field::Secret(|s| &mut s.os_auth_token)),
    ("os_auth_type", Field::Text(|s| &mut s.os_auth_type)),
    (
        "os_application_credential_id",
        Field::Text(|s| &mut s.os_application_credential_id),
    ),
    (
        "os_application_credential_secret",
        Field::Secret(|s| &mut s.os_application_credential_secret),
    ),
    ("os_storage_url", Field::Text(|s| &mut s.os_storage_url)),
    ("os_region_name", Field::Text(|s| &mut s.os_region_name)),
    ("os_service_type", Field::Text(|s| &mut s.os_service_type)),
    ("os_endpoint_type", Field::Text(|s| &mut s.os_endpoint_type)),
    ("os_cacert", Field::Path(|s| &mut s.os_cacert)),
    ("os_cert", Field::Path(|s| &mut s.os_cert)),
    ("os_key", Field::Path(|s| &mut s.os_key)),
];

impl Field {
    fn set(self, s: &mut Settings, v: Option<String>) {
        match self {
            Field::Text(f) => *f(s) = v,
            Field::Secret(f) => *f(s) = v.map(Secret::new),
            Field::Path(f) => *f(s) = v.map(PathBuf::from),
        }
    }

    fn get(self, s: &mut Settings) -> Option<String> {
        match self {
            Field::Text(f) => f(s).clone(),
            Field::Secret(f) => f(s).as_ref().map(|p| p.expose().to_owned()),
            Field::Path(f) => f(s).as_ref().map(|p| p.display().to_string()),
        }
    }
}

/// python-swiftclient's `process_options`, done by the library's [`Settings::process`] on
/// the options' settings; the fields it decides (`auth_version`, `auth`, `user`, `key`) are
/// written back into the namespace, which the checks and commands read.
pub fn process_options(ns: &mut Namespace) {
    let mut s = settings(ns);
    s.process();
    for (dest, field) in FIELDS {
        if matches!(*dest, "auth_version" | "auth" | "user" | "key") {
            if let Some(v) = field.get(&mut s) {
                ns.set(dest, Val::Str(v));
            }
        }
    }
}

/// True when a storage URL and a token are given (no authentication at all).
pub fn preauthenticated(ns: &Namespace) -> bool {
    ns.truthy("os_storage_url") && ns.truthy("os_auth_token")
}

const V1_V2_HELP: &str =
    "Auth version 1.0 requires ST_AUTH, ST_USER, and ST_KEY environment variables
to be set or overridden with -A, -U, or -K.

Auth version 2.0 requires OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, and
OS_TENANT_NAME OS_TENANT_ID to be set or overridden with --os-auth-url,
--os-username, --os-password, --os-tenant-name or os-tenant-id. Note:
adding \"-V 2\" is necessary for this.";

/// The authentication checks of python-swiftclient's `parse_args` (after `--prompt` and
/// `process_options`), for subcommand `cmd` with positional arguments `args` (the command
/// name first).
pub fn check_auth(ns: &mut Namespace, cmd: &str, args: &[String]) -> Result<(), CliError> {
    if cmd == "tempurl" {
        return Ok(());
    }
    if ns.truthy("prompt") {
        let pw = prompt_for_password()?;
        let v = match pw {
            Some(p) => Val::Str(p),
            None => Val::None,
        };
        ns.set("key", v.clone());
        ns.set("os_password", v);
    }
    apply_cloud(ns)?;
    process_options(ns);
    if args.len() > 1 && args[0] == "capabilities" {
        return Ok(());
    }
    if preauthenticated(ns) {
        return Ok(());
    }
    let auth_type = ns.nonempty("os_auth_type").map(str::to_owned);
    if let Some(t) = &auth_type {
        if ![
            "password",
            "v1password",
            "v2password",
            "v3password",
            "v3applicationcredential",
        ]
        .contains(&t.as_str())
        {
            return Err(CliError::Exit(
                "Only \"v3applicationcredential\" is supported for --os-auth-type".into(),
            ));
        }
    }
    if auth_type.as_deref() == Some("v3applicationcredential") {
        if !(ns.truthy("os_application_credential_id")
            && ns.truthy("os_application_credential_secret"))
        {
            return Err(CliError::Exit(
                "Auth version 3 (application credential) requires OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET to be set or overridden with --os-application-credential-id and --os-application-credential-secret respectively.".into(),
            ));
        }
    } else if ns.str("auth_version") == Some("3") {
        if !ns.truthy("auth") {
            return Err(CliError::Exit(
                "Auth version 3 requires OS_AUTH_URL to be set or overridden with --os-auth-url"
                    .into(),
            ));
        }
        if !(ns.truthy("user") || ns.truthy("os_user_id")) {
            return Err(CliError::Exit(
                "Auth version 3 requires either OS_USERNAME or OS_USER_ID to be set or overridden with --os-username or --os-user-id respectively.".into(),
            ));
        }
        if !ns.truthy("key") {
            return Err(CliError::Exit(
                "Auth version 3 requires OS_PASSWORD to be set or overridden with --os-password"
                    .into(),
            ));
        }
    } else if !(ns.truthy("auth") && ns.truthy("user") && ns.truthy("key")) {
        return Err(CliError::Exit(V1_V2_HELP.into()));
    }
    Ok(())
}

/// `--os-cloud NAME` (or `OS_CLOUD` when nothing else says how to authenticate): the cloud's
/// settings from `clouds.yaml` fill the options the command line and environment left unset.
fn apply_cloud(ns: &mut Namespace) -> Result<(), CliError> {
    let cloud = match ns.nonempty("os_cloud") {
        Some(c) => c.to_owned(),
        None => {
            // OS_CLOUD only when nothing else says how to authenticate.
            let configured = ns.truthy("auth") || ns.truthy("os_auth_url") || preauthenticated(ns);
            match std::env::var("OS_CLOUD").ok().filter(|c| !c.is_empty()) {
                Some(c) if !configured => c,
                _ => return Ok(()),
            }
        }
    };
    let mut s = Settings::from_cloud(Some(&cloud)).map_err(|e| CliError::Exit(e.to_string()))?;
    for (dest, field) in FIELDS {
        // A cloud describes OpenStack settings; v1's auth, user and key are not among them,
        // and its auth version is weighed below.
        if !dest.starts_with("os_") || ns.truthy(dest) {
            continue;
        }
        if let Some(v) = field.get(&mut s) {
            ns.set(dest, Val::Str(v));
        }
    }
    if s.insecure {
        ns.set("insecure", Val::Bool(true));
    }
    if let Some(v) = s.auth_version {
        // A cloud names its identity version; a version given with -V (or in ST_AUTH_VERSION
        // and the like) still wins.
        if ns.str("auth_version") == Some("1.0") {
            ns.set("auth_version", Val::Str(v));
        }
    }
    Ok(())
}

/// python's `getpass.getpass()`: `Password: ` on the terminal, without echo.
fn prompt_for_password() -> Result<Option<String>, CliError> {
    let incompatible = || CliError::Exit("Input stream incompatible with --prompt option".into());
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| incompatible())?;
    let stty = |arg: &str| {
        tty.try_clone().ok().and_then(|f| {
            std::process::Command::new("stty")
                .arg(arg)
                .stdin(f)
                .stderr(std::process::Stdio::null())
                .status()
                .ok()
        })
    };
    let mut w = tty.try_clone().map_err(|_| incompatible())?;
    let _ = w.write_all(b"Password: ");
    let _ = w.flush();
    let _ = stty("-echo");
    let mut line = String::new();
    let n = std::io::BufReader::new(&tty).read_line(&mut line);
    let _ = stty("echo");
    let _ = w.write_all(b"\n");
    match n {
        Ok(0) | Err(_) => Ok(None),
        Ok(_) => Ok(Some(
            line.trim_end_matches('\n')
                .trim_end_matches('\r')
                .to_owned(),
        )),
    }
}

fn opt(ns: &Namespace, dest: &str) -> Option<String> {
    ns.nonempty(dest).map(str::to_owned)
}

/// The library settings of the (processed) options.
pub fn settings(ns: &Namespace) -> Settings {
    let mut s = Settings::default();
    for (dest, field) in FIELDS {
        field.set(&mut s, opt(ns, dest));
    }
    s.insecure = ns.truthy("insecure");
    if let Val::Float(t) = ns.get("timeout") {
        if *t > 0.0 {
            // past what a Duration holds (`--timeout 1e20`): no timeout, as good as infinite
            s.timeout = Duration::try_from_secs_f64(*t).ok();
        }
    }
    s.retries = Some(u32::try_from(ns.int("retries").max(0)).unwrap_or(u32::MAX));
    s
}

/// A connection as python-swiftclient's `get_conn(options)` makes it, plus the token cache.
pub struct Conn {
    /// The connection.
    pub conn: Connection,
    /// The cache file, the identity of these credentials, the token read from it.
    cache: Option<(PathBuf, Vec<u8>, Option<Secret>)>,
}

impl Conn {
    /// Builds the connection (no request is made yet).
    pub fn new(ns: &Namespace) -> Result<Conn, CliError> {
        let s = settings(ns);
        if let Some(w) = insecure_warning(&s) {
            eprintln!("{w}");
        }
        let mut b = s.builder().force_auth_retry(ns.truthy("force_auth_retry"));
        b = b.user_agent(format!(
            "python-swiftclient-compatible swiftclient-rs/{}",
            env!("CARGO_PKG_VERSION")
        ));
        let mut cache = None;
        if let Some(path) = token_cache_path(ns) {
            if !preauthenticated(ns) && s.auth.is_some() {
                let key = cache_identity(&s);
                let cached = read_cache(&path, &key);
                let mut token = None;
                if let Some((url, tok)) = cached {
                    let url = s.os_storage_url.clone().unwrap_or(url);
                    b = b.preauth_url(url).preauth_token(tok.clone());
                    token = Some(tok);
                }
                cache = Some((path, key, token));
            }
        }
        let conn = b.build()?;
        Ok(Conn { conn, cache })
    }

    /// Saves a new token in the cache (when the cache is on and the token changed).
    pub fn save_token(&self) {
        let Some((path, key, old)) = &self.cache else {
            return;
        };
        let (Some(url), Some(token)) = (self.conn.url(), self.conn.token()) else {
            return;
        };
        if old.as_ref() == Some(&token) {
            return;
        }
        if let Err(e) = write_cache(path, key, &url, &token) {
            tracing::warn!(target: "swiftclient", "token cache {}: {e}", path.display());
        }
    }
}

impl Drop for Conn {
    /// Whatever the command's outcome, a token it obtained is kept for the next command.
    fn drop(&mut self) {
        self.save_token();
    }
}

/// Where the token cache lives, if it is on: `--token-cache` or `SWIFTCLIENT_TOKEN_CACHE`
/// (a true value for the default place, or a file path).
pub fn token_cache_path(ns: &Namespace) -> Option<PathBuf> {
    let env = std::env::var("SWIFTCLIENT_TOKEN_CACHE")
        .ok()
        .filter(|v| !v.is_empty());
    let default = || {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
        Some(base.join("swiftclient-rs").join("tokens.json"))
    };
    match env {
        Some(v) if swiftclient::Settings::config_true_value(&v) => default(),
        Some(v)
            if matches!(
                v.to_ascii_lowercase().as_str(),
                "0" | "false" | "no" | "off" | "f" | "n"
            ) =>
        {
            if ns.truthy("token_cache") {
                default()
            } else {
                None
            }
        }
        Some(v) => Some(PathBuf::from(v)),
        None if ns.truthy("token_cache") => default(),
        None => None,
    }
}

/// Everything that decides which token authentication yields, the password included (so
/// a changed password never reuses an old token), as one byte string. Only an HMAC of it
/// under the cache file's random salt is stored: without the salt (which lives in the
/// private file), nobody can test password guesses against a key.
fn cache_identity(s: &Settings) -> Vec<u8> {
    let parts = [
        s.auth.clone(),
        s.auth_version.clone(),
        s.user.clone(),
        s.key.as_ref().map(|k| k.expose().to_owned()),
        s.os_user_id.clone(),
        s.os_user_domain_name.clone(),
        s.os_user_domain_id.clone(),
        s.os_tenant_id.clone(),
        s.os_tenant_name.clone(),
        s.os_project_id.clone(),
        s.os_project_name.clone(),
        s.os_project_domain_id.clone(),
        s.os_project_domain_name.clone(),
        s.os_auth_type.clone(),
        s.os_application_credential_id.clone(),
        s.os_application_credential_secret
            .as_ref()
            .map(|k| k.expose().to_owned()),
        s.os_region_name.clone(),
        s.os_service_type.clone(),
        s.os_endpoint_type.clone(),
        s.os_storage_url.clone(),
    ];
    let mut out = Vec::new();
    for p in parts {
        let p = p.unwrap_or_default();
        out.extend_from_slice(&(p.len() as u64).to_be_bytes());
        out.extend_from_slice(p.as_bytes());
    }
    out
}

/// The key of an entry: HMAC-SHA256 of the identity under the file's salt, in hex.
fn cache_key(salt: &str, identity: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(salt.as_bytes()) else {
        return String::new();
    };
    mac.update(identity);
    hex(&mac.finalize().into_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `n` random bytes from the kernel, in hex.
fn random_hex(n: usize) -> std::io::Result<String> {
    use std::io::Read;
    let mut buf = vec![0u8; n];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(hex(&buf))
}

/// How long a cached token is used at most (a 401 makes us authenticate again sooner).
const CACHE_MAX_AGE: Duration = Duration::from_secs(12 * 3600);

/// Our user id: the owner of `/proc/self` is the process's effective uid.
fn my_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// Whether `path` (not followed if a link) is ours and nobody else may write it: a cache
/// in a directory others can write could be swapped for theirs.
fn private_to_me(path: &Path, dir: bool) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = std::fs::symlink_metadata(path) else {
        return false;
    };
    let kind_ok = if dir { m.is_dir() } else { m.is_file() };
    let others = if dir { 0o022 } else { 0o077 };
    kind_ok && Some(m.uid()) == my_uid() && m.mode() & others == 0
}

fn cache_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The cache document, if the file and its directory are private to us and it parses:
/// `{"salt": hex, "entries": {key: {"url", "token", "saved"}}}`.
fn load_cache(path: &Path) -> Option<serde_json::Map<String, serde_json::Value>> {
    if !private_to_me(cache_dir(path), true) || !private_to_me(path, false) {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str(&text).ok()? {
        serde_json::Value::Object(doc) if doc.get("salt").is_some_and(|s| s.is_string()) => {
            Some(doc)
        }
        _ => None,
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn read_cache(path: &Path, identity: &[u8]) -> Option<(String, Secret)> {
    let doc = load_cache(path)?;
    let key = cache_key(doc.get("salt")?.as_str()?, identity);
    let entry = doc.get("entries")?.get(&key)?;
    let url = entry.get("url")?.as_str()?.to_owned();
    let token = entry.get("token")?.as_str()?.to_owned();
    let saved = entry.get("saved")?.as_u64()?;
    if now_secs().saturating_sub(saved) > CACHE_MAX_AGE.as_secs() {
        return None;
    }
    Some((url, Secret::new(token)))
}

fn write_cache(path: &Path, identity: &[u8], url: &str, token: &Secret) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let dir = cache_dir(path);
    if std::fs::symlink_metadata(dir).is_err() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    if !private_to_me(dir, true) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{} is not a directory private to this user: the token cache is not used",
                dir.display()
            ),
        ));
    }
    let exists = std::fs::symlink_metadata(path).is_ok();
    if exists && !private_to_me(path, false) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{} is not a file private to this user: the token cache is not used",
                path.display()
            ),
        ));
    }
    let mut doc = load_cache(path).unwrap_or_default();
    let salt = match doc.get("salt").and_then(|s| s.as_str()) {
        Some(s) => s.to_owned(),
        None => {
            doc.clear();
            random_hex(32)?
        }
    };
    let now = now_secs();
    let mut entries = match doc.remove("entries") {
        Some(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    // Drop entries too old to be used.
    entries.retain(|_, v| {
        v.get("saved")
            .and_then(serde_json::Value::as_u64)
            .is_some_and(|s| now.saturating_sub(s) <= CACHE_MAX_AGE.as_secs())
    });
    entries.insert(
        cache_key(&salt, identity),
        serde_json::json!({"url": url, "token": token.expose(), "saved": now}),
    );
    let doc = serde_json::json!({"salt": salt, "entries": entries});
    // A new file under a name nobody can guess, never an existing one or a link: O_EXCL.
    let tmp = dir.join(format!(".tokens.{}.tmp", random_hex(8)?));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(doc.to_string().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The warning `--insecure` gets when it matters (an https URL): TLS verification is on by
/// default, and turning it off is said out loud. (python-swiftclient silences its warning.)
pub fn insecure_warning(s: &Settings) -> Option<String> {
    let https = [s.auth.as_deref(), s.os_storage_url.as_deref()]
        .into_iter()
        .flatten()
        .any(|u| u.to_ascii_lowercase().starts_with("https://"));
    (s.insecure && https).then(|| {
        "WARNING: --insecure: the server's TLS certificate is not verified; anyone on the path \
         can read and change this traffic"
            .to_owned()
    })
}

#[cfg(test)]
mod insecure_tests {
    use super::*;

    #[test]
    fn insecure_warns_only_for_https() {
        let mut s = Settings::default();
        s.auth = Some("https://swift.example/auth/v1.0".into());
        assert!(
            insecure_warning(&s).is_none(),
            "verification on: no warning"
        );
        s.insecure = true;
        assert!(insecure_warning(&s).is_some_and(|w| w.contains("not verified")));
        s.auth = Some("http://127.0.0.1:8080/auth/v1.0".into());
        assert!(
            insecure_warning(&s).is_none(),
            "plain http: nothing to verify"
        );
        s.os_storage_url = Some("HTTPS://storage.example/v1/AUTH_a".into());
        assert!(insecure_warning(&s).is_some());
    }
}
