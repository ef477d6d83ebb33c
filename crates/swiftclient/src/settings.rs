//! Configuration the way OpenStack users already have it: python-swiftclient's `ST_*` and
//! `OS_*` environment variables (with its precedence), and openstacksdk's `clouds.yaml`.

#[cfg(feature = "clouds-yaml")]
use std::path::Path;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::{ConnectionBuilder, OsOptions};
#[cfg(feature = "clouds-yaml")]
use crate::error::Error;
use crate::secret::Secret;

/// Every connection setting python-swiftclient's `swift` takes from options or the
/// environment, before they are turned into a [`ConnectionBuilder`].
///
/// ```
/// let vars = [("ST_AUTH", "http://127.0.0.1:8080/auth/v1.0"), ("ST_USER", "test:tester"), ("ST_KEY", "testing")];
/// let mut s = swiftclient::Settings::from_vars(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()));
/// s.process();
/// assert_eq!(s.auth_version.as_deref(), Some("1.0"));
/// let conn = s.builder().build()?;
/// # Ok::<(), swiftclient::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// `-A` / `ST_AUTH`.
    pub auth: Option<String>,
    /// `-V` / `ST_AUTH_VERSION`, `OS_AUTH_VERSION`, `OS_IDENTITY_API_VERSION`.
    pub auth_version: Option<String>,
    /// `-U` / `ST_USER`.
    pub user: Option<String>,
    /// `-K` / `ST_KEY`.
    pub key: Option<Secret>,
    /// `OS_USERNAME`.
    pub os_username: Option<String>,
    /// `OS_USER_ID`.
    pub os_user_id: Option<String>,
    /// `OS_USER_DOMAIN_NAME`.
    pub os_user_domain_name: Option<String>,
    /// `OS_USER_DOMAIN_ID`.
    pub os_user_domain_id: Option<String>,
    /// `OS_PASSWORD`.
    pub os_password: Option<Secret>,
    /// `OS_TENANT_ID`.
    pub os_tenant_id: Option<String>,
    /// `OS_TENANT_NAME`.
    pub os_tenant_name: Option<String>,
    /// `OS_PROJECT_ID`.
    pub os_project_id: Option<String>,
    /// `OS_PROJECT_NAME`.
    pub os_project_name: Option<String>,
    /// `OS_PROJECT_DOMAIN_ID`.
    pub os_project_domain_id: Option<String>,
    /// `OS_PROJECT_DOMAIN_NAME`.
    pub os_project_domain_name: Option<String>,
    /// `OS_AUTH_URL`.
    pub os_auth_url: Option<String>,
    /// `OS_AUTH_TOKEN`.
    pub os_auth_token: Option<Secret>,
    /// `OS_AUTH_TYPE`.
    pub os_auth_type: Option<String>,
    /// `OS_APPLICATION_CREDENTIAL_ID`.
    pub os_application_credential_id: Option<String>,
    /// `OS_APPLICATION_CREDENTIAL_NAME` (not read by python-swiftclient).
    pub os_application_credential_name: Option<String>,
    /// `OS_APPLICATION_CREDENTIAL_SECRET`.
    pub os_application_credential_secret: Option<Secret>,
    /// `OS_STORAGE_URL`.
    pub os_storage_url: Option<String>,
    /// `OS_REGION_NAME`.
    pub os_region_name: Option<String>,
    /// `OS_SERVICE_TYPE`.
    pub os_service_type: Option<String>,
    /// `OS_ENDPOINT_TYPE` (also `OS_INTERFACE`, which python-swiftclient ignores).
    pub os_endpoint_type: Option<String>,
    /// `OS_CACERT`.
    pub os_cacert: Option<PathBuf>,
    /// `OS_CERT`.
    pub os_cert: Option<PathBuf>,
    /// `OS_KEY`.
    pub os_key: Option<PathBuf>,
    /// `SWIFTCLIENT_INSECURE` (a true value), or `verify: false` in clouds.yaml.
    pub insecure: bool,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--retries` (default 5).
    pub retries: Option<u32>,
}

/// python-swiftclient's `config_true_value`.
pub(crate) fn config_true_value(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on" | "t" | "y"
    )
}

impl Settings {
    /// python-swiftclient's `config_true_value`: `true`, `1`, `yes`, `on`, `t`, `y` (any case).
    pub fn config_true_value(value: &str) -> bool {
        config_true_value(value)
    }

    /// Reads the process environment.
    pub fn from_env() -> Self {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get` (a variable's value, if set).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Self {
        let s = |k: &str| get(k).filter(|v| !v.is_empty());
        let secret = |k: &str| s(k).map(Secret::new);
        let path = |k: &str| s(k).map(PathBuf::from);
        // The first of these that is present wins, even if empty (python-swiftclient).
        let auth_version = [
            "ST_AUTH_VERSION",
            "OS_AUTH_VERSION",
            "OS_IDENTITY_API_VERSION",
        ]
        .iter()
        .find_map(|k| get(k))
        .filter(|v| !v.is_empty());
        Settings {
            auth: s("ST_AUTH"),
            auth_version,
            user: s("ST_USER"),
            key: secret("ST_KEY"),
            os_username: s("OS_USERNAME"),
            os_user_id: s("OS_USER_ID"),
            os_user_domain_name: s("OS_USER_DOMAIN_NAME"),
            os_user_domain_id: s("OS_USER_DOMAIN_ID"),
            os_password: secret("OS_PASSWORD"),
            os_tenant_id: s("OS_TENANT_ID"),
            os_tenant_name: s("OS_TENANT_NAME"),
            os_project_id: s("OS_PROJECT_ID"),
            os_project_name: s("OS_PROJECT_NAME"),
            os_project_domain_id: s("OS_PROJECT_DOMAIN_ID"),
            os_project_domain_name: s("OS_PROJECT_DOMAIN_NAME"),
            os_auth_url: s("OS_AUTH_URL"),
            os_auth_token: secret("OS_AUTH_TOKEN"),
            os_auth_type: s("OS_AUTH_TYPE"),
            os_application_credential_id: s("OS_APPLICATION_CREDENTIAL_ID"),
            os_application_credential_name: s("OS_APPLICATION_CREDENTIAL_NAME"),
            os_application_credential_secret: secret("OS_APPLICATION_CREDENTIAL_SECRET"),
            os_storage_url: s("OS_STORAGE_URL"),
            os_region_name: s("OS_REGION_NAME"),
            os_service_type: s("OS_SERVICE_TYPE"),
            os_endpoint_type: s("OS_ENDPOINT_TYPE").or_else(|| s("OS_INTERFACE")),
            os_cacert: path("OS_CACERT"),
            os_cert: path("OS_CERT"),
            os_key: path("OS_KEY"),
            insecure: s("SWIFTCLIENT_INSECURE").is_some_and(|v| config_true_value(&v)),
            timeout: None,
            retries: None,
        }
    }

    /// python-swiftclient's `process_options`: maps the auth type to a version, normalises
    /// sloppy version spellings, guesses v3/v2.0 when v1 credentials are incomplete, and fills
    /// the auth URL, user and key from their `OS_*` counterparts.
    pub fn process(&mut self) {
        match self.os_auth_type.as_deref() {
            Some("v1password") => self.auth_version = Some("1.0".into()),
            Some("v2password") => self.auth_version = Some("2.0".into()),
            Some("v3password" | "v3applicationcredential") => self.auth_version = Some("3".into()),
            _ => {}
        }
        let v = self.auth_version.clone().unwrap_or_else(|| "1.0".into());
        let v = match v.as_str() {
            "3.0" => "3".to_owned(),
            "2" => "2.0".to_owned(),
            other => other.to_owned(),
        };
        self.auth_version = Some(v.clone());
        let v1_complete = self.auth.is_some() && self.user.is_some() && self.key.is_some();
        if v != "2.0"
            && v != "3"
            && self.os_auth_type.as_deref() != Some("v1password")
            && !v1_complete
        {
            let domains = self.os_user_domain_id.is_some()
                || self.os_user_domain_name.is_some()
                || self.os_project_domain_id.is_some()
                || self.os_project_domain_name.is_some();
            self.auth_version = Some(if domains { "3" } else { "2.0" }.into());
        }
        if self.auth.is_none() {
            self.auth = self.os_auth_url.clone();
        }
        if self.user.is_none() {
            self.user = self.os_username.clone();
        }
        if self.key.is_none() {
            self.key = self.os_password.clone();
        }
    }

    /// The `os_options` python-swiftclient builds from these settings.
    pub fn os_options(&self) -> OsOptions {
        OsOptions {
            tenant_name: self.os_tenant_name.clone(),
            tenant_id: self.os_tenant_id.clone(),
            project_name: self.os_project_name.clone(),
            project_id: self.os_project_id.clone(),
            project_domain_name: self.os_project_domain_name.clone(),
            project_domain_id: self.os_project_domain_id.clone(),
            user_id: self.os_user_id.clone(),
            user_domain_name: self.os_user_domain_name.clone(),
            user_domain_id: self.os_user_domain_id.clone(),
            region_name: self.os_region_name.clone(),
            service_type: self.os_service_type.clone(),
            endpoint_type: self.os_endpoint_type.clone(),
            auth_token: self.os_auth_token.clone(),
            object_storage_url: self.os_storage_url.clone(),
            auth_type: self.os_auth_type.clone(),
            application_credential_id: self.os_application_credential_id.clone(),
            application_credential_name: self.os_application_credential_name.clone(),
            application_credential_secret: self.os_application_credential_secret.clone(),
            ..OsOptions::default()
        }
    }

    /// A connection builder with these settings (call [`Settings::process`] first).
    pub fn builder(&self) -> ConnectionBuilder {
        let mut b = crate::Connection::builder().os_options(self.os_options());
        if let Some(v) = &self.auth_version {
            b = b.auth_version(v.clone());
        }
        if let Some(a) = &self.auth {
            b = b.auth_url(a.clone());
        }
        if let Some(u) = &self.user {
            b = b.user(u.clone());
        }
        if let Some(k) = &self.key {
            b = b.key(k.clone());
        }
        if let Some(p) = &self.os_cacert {
            b = b.cacert(p.clone());
        }
        if let Some(p) = &self.os_cert {
            b = b.cert(p.clone());
        }
        if let Some(p) = &self.os_key {
            b = b.cert_key(p.clone());
        }
        if let Some(t) = self.timeout {
            b = b.timeout(t);
        }
        if let Some(r) = self.retries {
            b = b.retries(r);
        }
        b.insecure(self.insecure)
    }

    /// Settings of a cloud in `clouds.yaml` (merged with `secure.yaml`), found as openstacksdk
    /// finds it: `$OS_CLIENT_CONFIG_FILE`, else `./clouds.yaml`,
    /// `$XDG_CONFIG_HOME/openstack/` (default `~/.config/openstack/`), `/etc/openstack/`.
    /// `cloud` defaults to `$OS_CLOUD`.
    #[cfg(feature = "clouds-yaml")]
    pub fn from_cloud(cloud: Option<&str>) -> crate::Result<Self> {
        let name = match cloud {
            Some(c) => c.to_owned(),
            None => std::env::var("OS_CLOUD")
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    Error::invalid_input("no cloud named: set OS_CLOUD or --os-cloud")
                })?,
        };
        let dirs = config_dirs();
        let clouds_path = std::env::var("OS_CLIENT_CONFIG_FILE")
            .ok()
            .map(PathBuf::from)
            .or_else(|| find_in(&dirs, "clouds.yaml"))
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "no clouds.yaml found (looked in {})",
                    dirs.iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        let secure_path = std::env::var("OS_CLIENT_SECURE_FILE")
            .ok()
            .map(PathBuf::from)
            .or_else(|| find_in(&dirs, "secure.yaml"));
        let clouds = std::fs::read_to_string(&clouds_path).map_err(|e| {
            Error::invalid_input(format!("cannot read {}", clouds_path.display())).with_source(e)
        })?;
        let secure = match &secure_path {
            Some(p) if p.exists() => Some(std::fs::read_to_string(p).map_err(|e| {
                Error::invalid_input(format!("cannot read {}", p.display())).with_source(e)
            })?),
            _ => None,
        };
        Self::from_cloud_yaml(&name, &clouds, secure.as_deref())
    }

    /// Settings of cloud `name` from the text of a `clouds.yaml` and, optionally, a
    /// `secure.yaml` whose values are merged over it.
    #[cfg(feature = "clouds-yaml")]
    pub fn from_cloud_yaml(name: &str, clouds: &str, secure: Option<&str>) -> crate::Result<Self> {
        use yaml_rust2::{Yaml, YamlLoader};
        let load = |text: &str, what: &str| -> crate::Result<Yaml> {
            let mut docs = YamlLoader::load_from_str(text)
                .map_err(|e| Error::invalid_input(format!("{what} is not valid YAML: {e}")))?;
            Ok(if docs.is_empty() {
                Yaml::Null
            } else {
                docs.swap_remove(0)
            })
        };
        let doc = load(clouds, "clouds.yaml")?;
        let mut cloud = doc["clouds"][name].clone();
        if cloud.is_badvalue() || cloud.is_null() {
            let known: Vec<String> = doc["clouds"]
                .as_hash()
                .map(|h| {
                    h.keys()
                        .filter_map(|k| k.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            return Err(Error::invalid_input(format!(
                "cloud {name:?} is not in clouds.yaml (it has: {})",
                known.join(", ")
            )));
        }
        if let Some(secure) = secure {
            let sdoc = load(secure, "secure.yaml")?;
            merge(&mut cloud, &sdoc["clouds"][name]);
        }
        let get = |y: &Yaml, k: &str| -> Option<String> {
            match &y[k] {
                Yaml::String(s) => Some(s.clone()),
                Yaml::Integer(i) => Some(i.to_string()),
                Yaml::Real(r) => Some(r.clone()),
                Yaml::Boolean(b) => Some(b.to_string()),
                _ => None,
            }
        };
        let auth = &cloud["auth"];
        let a = |k: &str| get(auth, k);
        let c = |k: &str| get(&cloud, k);
        let auth_type = c("auth_type");
        let version = c("identity_api_version").or_else(|| match auth_type.as_deref() {
            Some("v2password" | "v2token") => Some("2.0".into()),
            _ => Some("3".into()),
        });
        let os_auth_type = match auth_type.as_deref() {
            Some("v3applicationcredential" | "applicationcredential") => {
                Some("v3applicationcredential".into())
            }
            Some("token" | "v3token" | "v2token") => Some("token".into()),
            _ => None,
        };
        Ok(Settings {
            auth_version: version,
            os_auth_url: a("auth_url"),
            os_username: a("username"),
            os_user_id: a("user_id"),
            os_password: a("password").map(Secret::new),
            os_project_name: a("project_name").or_else(|| a("tenant_name")),
            os_project_id: a("project_id").or_else(|| a("tenant_id")),
            os_user_domain_name: a("user_domain_name").or_else(|| a("domain_name")),
            os_user_domain_id: a("user_domain_id").or_else(|| a("domain_id")),
            os_project_domain_name: a("project_domain_name").or_else(|| a("domain_name")),
            os_project_domain_id: a("project_domain_id").or_else(|| a("domain_id")),
            os_auth_token: a("token").map(Secret::new),
            os_auth_type,
            os_application_credential_id: a("application_credential_id"),
            os_application_credential_name: a("application_credential_name"),
            os_application_credential_secret: a("application_credential_secret").map(Secret::new),
            os_region_name: c("region_name"),
            os_endpoint_type: c("interface").or_else(|| c("endpoint_type")),
            os_service_type: c("object_store_service_type"),
            os_storage_url: c("object_store_endpoint_override"),
            os_cacert: c("cacert").map(PathBuf::from),
            os_cert: c("cert").map(PathBuf::from),
            os_key: c("key").map(PathBuf::from),
            insecure: matches!(cloud["verify"], Yaml::Boolean(false)),
            ..Settings::default()
        })
    }
}

/// Merges `over` into `base` recursively (maps key by key; other values replace).
#[cfg(feature = "clouds-yaml")]
fn merge(base: &mut yaml_rust2::Yaml, over: &yaml_rust2::Yaml) {
    use yaml_rust2::Yaml;
    match (base, over) {
        (Yaml::Hash(b), Yaml::Hash(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) if !o.is_badvalue() && !o.is_null() => *b = o.clone(),
        _ => {}
    }
}

#[cfg(feature = "clouds-yaml")]
fn config_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from(".")];
    let xdg = std::env::var("XDG_CONFIG_HOME")
        .ok()
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var("HOME")
                .ok()
                .map(|h| Path::new(&h).join(".config"))
        });
    if let Some(x) = xdg {
        dirs.push(x.join("openstack"));
    }
    dirs.push(PathBuf::from("/etc/openstack"));
    dirs
}

#[cfg(feature = "clouds-yaml")]
fn find_in(dirs: &[PathBuf], file: &str) -> Option<PathBuf> {
    dirs.iter().map(|d| d.join(file)).find(|p| p.is_file())
}

impl ConnectionBuilder {
    /// A builder from the environment, as python-swiftclient's `swift` reads it (`ST_*`, `OS_*`,
    /// `SWIFTCLIENT_INSECURE`), after its `process_options`. With `OS_CLOUD` set and neither
    /// `ST_AUTH` nor `OS_AUTH_URL`, the named cloud of `clouds.yaml` is used instead.
    pub fn from_env() -> crate::Result<Self> {
        let mut s = Settings::from_env();
        #[cfg(feature = "clouds-yaml")]
        if s.auth.is_none() && s.os_auth_url.is_none() && std::env::var_os("OS_CLOUD").is_some() {
            s = Settings::from_cloud(None)?;
        }
        s.process();
        Ok(s.builder())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Settings {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_vars(|k| owned.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn v1_from_st_variables() {
        let mut s = vars(&[
            ("ST_AUTH", "http://a/auth/v1.0"),
            ("ST_USER", "t:u"),
            ("ST_KEY", "k"),
        ]);
        s.process();
        assert_eq!(s.auth_version.as_deref(), Some("1.0"));
        assert_eq!(s.auth.as_deref(), Some("http://a/auth/v1.0"));
    }

    #[test]
    fn version_precedence_first_present_wins_even_empty() {
        let s = vars(&[("ST_AUTH_VERSION", "2"), ("OS_IDENTITY_API_VERSION", "3")]);
        assert_eq!(s.auth_version.as_deref(), Some("2"));
        let s = vars(&[("OS_AUTH_VERSION", ""), ("OS_IDENTITY_API_VERSION", "3")]);
        assert_eq!(s.auth_version, None);
        let s = vars(&[("OS_IDENTITY_API_VERSION", "3")]);
        assert_eq!(s.auth_version.as_deref(), Some("3"));
    }

    #[test]
    fn process_guesses_keystone_and_fills_from_os() {
        let mut s = vars(&[
            ("OS_AUTH_URL", "http://k/v3"),
            ("OS_USERNAME", "u"),
            ("OS_PASSWORD", "p"),
            ("OS_USER_DOMAIN_NAME", "d"),
        ]);
        s.process();
        assert_eq!(s.auth_version.as_deref(), Some("3"));
        assert_eq!(s.auth.as_deref(), Some("http://k/v3"));
        assert_eq!(s.user.as_deref(), Some("u"));
        assert_eq!(s.key.as_ref().map(Secret::expose), Some("p"));
        let mut s = vars(&[("OS_AUTH_URL", "http://k/v2.0"), ("OS_USERNAME", "u")]);
        s.process();
        assert_eq!(s.auth_version.as_deref(), Some("2.0"));
        let mut s = vars(&[("OS_AUTH_TYPE", "v3applicationcredential")]);
        s.process();
        assert_eq!(s.auth_version.as_deref(), Some("3"));
        let mut s = vars(&[("ST_AUTH_VERSION", "3.0")]);
        s.process();
        assert_eq!(s.auth_version.as_deref(), Some("3"));
    }

    #[test]
    fn st_wins_over_os() {
        let mut s = vars(&[
            ("ST_AUTH", "http://st"),
            ("OS_AUTH_URL", "http://os"),
            ("ST_USER", "stu"),
            ("OS_USERNAME", "osu"),
            ("ST_KEY", "stk"),
        ]);
        s.process();
        assert_eq!(s.auth.as_deref(), Some("http://st"));
        assert_eq!(s.user.as_deref(), Some("stu"));
    }

    #[test]
    fn insecure_true_values() {
        assert!(vars(&[("SWIFTCLIENT_INSECURE", "yes")]).insecure);
        assert!(!vars(&[("SWIFTCLIENT_INSECURE", "nope")]).insecure);
    }

    const CLOUDS: &str = r#"
clouds:
  mycloud:
    auth:
      auth_url: http://k:5000/v3
      username: alice
      project_name: proj
      user_domain_name: ud
      project_domain_name: pd
    region_name: RegionOne
    interface: internal
    identity_api_version: 3
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://k:5000/v3
      application_credential_id: abc
      application_credential_secret: s3cr3t
    verify: false
"#;
    const SECURE: &str = r#"
clouds:
  mycloud:
    auth:
      password: from-secure
"#;

    #[test]
    fn clouds_yaml_with_secure_merge() {
        let s = Settings::from_cloud_yaml("mycloud", CLOUDS, Some(SECURE)).unwrap();
        assert_eq!(s.os_auth_url.as_deref(), Some("http://k:5000/v3"));
        assert_eq!(s.os_username.as_deref(), Some("alice"));
        assert_eq!(
            s.os_password.as_ref().map(Secret::expose),
            Some("from-secure")
        );
        assert_eq!(s.os_region_name.as_deref(), Some("RegionOne"));
        assert_eq!(s.os_endpoint_type.as_deref(), Some("internal"));
        assert_eq!(s.auth_version.as_deref(), Some("3"));
        assert_eq!(s.os_user_domain_name.as_deref(), Some("ud"));
        let a = Settings::from_cloud_yaml("appcred", CLOUDS, None).unwrap();
        assert_eq!(a.os_auth_type.as_deref(), Some("v3applicationcredential"));
        assert!(a.insecure);
        assert!(!format!("{a:?}").contains("s3cr3t"));
        let err = Settings::from_cloud_yaml("nope", CLOUDS, None).unwrap_err();
        assert!(err.to_string().contains("mycloud"), "{err}");
        assert!(Settings::from_cloud_yaml("x", "clouds: [", None).is_err());
    }
}
