//! [`SwiftStoreBuilder`]: a [`SwiftStore`] from the settings users already have.

use swiftclient::{Connection, ConnectionBuilder, Settings};

use crate::error::generic;
use crate::{Config, SwiftStore};

/// Builds a [`SwiftStore`]: where the connection comes from (an existing [`Connection`], a
/// [`ConnectionBuilder`], the `ST_*`/`OS_*` environment or a `clouds.yaml` cloud, exactly as
/// the `swift` command reads them), the container, and the options.
///
/// ```no_run
/// # fn demo() -> object_store::Result<()> {
/// use swift_object_store::SwiftStore;
/// let store = SwiftStore::builder()
///     .from_env()?                       // ST_AUTH/ST_USER/ST_KEY, OS_*, or $OS_CLOUD
///     .with_container("lake")
///     .with_segment_size(256 << 20)     // puts over 256 MiB become SLOs
///     .with_concurrency(16)
///     .build()?;
/// # Ok(()) }
/// ```
///
/// `Debug` shows no key, password or token.
#[derive(Debug, Default)]
pub struct SwiftStoreBuilder {
    connection: Option<Connection>,
    connection_builder: Option<ConnectionBuilder>,
    container: Option<String>,
    segment_container: Option<String>,
    config: Config,
}

impl SwiftStoreBuilder {
    /// A builder with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Connection settings from the environment, as python-swiftclient's `swift` reads them
    /// (`ST_AUTH`/`ST_USER`/`ST_KEY`, `OS_*`, `SWIFTCLIENT_INSECURE`; with `OS_CLOUD` set and
    /// neither `ST_AUTH` nor `OS_AUTH_URL`, that cloud of `clouds.yaml`).
    pub fn from_env(self) -> object_store::Result<Self> {
        let b = ConnectionBuilder::from_env().map_err(|e| crate::error::map(e, ""))?;
        Ok(self.with_connection_builder(b))
    }

    /// Connection settings from a cloud of openstacksdk's `clouds.yaml` (and `secure.yaml`),
    /// by name, or `$OS_CLOUD` when `None`. (Feature `clouds-yaml`, on by default.)
    #[cfg(feature = "clouds-yaml")]
    pub fn from_cloud(self, cloud: Option<&str>) -> object_store::Result<Self> {
        let mut s = Settings::from_cloud(cloud).map_err(|e| crate::error::map(e, ""))?;
        s.process();
        Ok(self.with_connection_builder(s.builder()))
    }

    /// Connection settings from [`Settings`] (already processed or not: they are processed
    /// here).
    pub fn with_settings(self, settings: &Settings) -> Self {
        let mut s = settings.clone();
        s.process();
        self.with_connection_builder(s.builder())
    }

    /// An existing connection (its clones share its pool and token). Wins over any
    /// connection settings.
    pub fn with_connection(mut self, conn: Connection) -> Self {
        self.connection = Some(conn);
        self
    }

    /// A connection builder, built by [`SwiftStoreBuilder::build`].
    pub fn with_connection_builder(mut self, builder: ConnectionBuilder) -> Self {
        self.connection_builder = Some(builder);
        self
    }

    /// The container (required; it must exist).
    pub fn with_container(mut self, container: impl Into<String>) -> Self {
        self.container = Some(container.into());
        self
    }

    /// The container for segments (default `<container>_segments`, python-swiftclient's
    /// convention). It is created when missing, with the container's storage policy.
    pub fn with_segment_container(mut self, container: impl Into<String>) -> Self {
        self.segment_container = Some(container.into());
        self
    }

    /// `put` payloads larger than this are written as a static large object of segments
    /// this size, uploaded in parallel. Default: none, only payloads over the cluster's
    /// `max_file_size` are segmented (in 1 GiB segments). Multipart uploads keep the part
    /// sizes they are given.
    pub fn with_segment_size(mut self, bytes: u64) -> Self {
        self.config.segment_size = Some(bytes.max(1));
        self
    }

    /// Requests in flight for one operation: the segments of a large `put`, the deletes of
    /// a `delete_stream` batch. Default 8.
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.config.concurrency = n.max(1);
        self
    }

    /// Entries per listing request. Default: the cluster's maximum (usually 10,000).
    pub fn with_list_page_size(mut self, n: u64) -> Self {
        self.config.list_page_size = Some(n.max(1));
        self
    }

    /// How many times a ranged read resumes after a broken connection. Default 5.
    /// (Whole-object reads resume within the connection's own retries.)
    pub fn with_resume_attempts(mut self, n: u32) -> Self {
        self.config.resume_attempts = n;
        self
    }

    /// Whether writing over (or completing a multipart upload onto) a large object that this
    /// store wrote deletes its old segments. It costs a HEAD before each overwriting `put`.
    /// Default true; turn it off for workloads that only ever write new names.
    pub fn with_segment_cleanup(mut self, on: bool) -> Self {
        self.config.segment_cleanup = on;
        self
    }

    /// Write large objects as static (`true`) or dynamic (`false`) large objects. Default:
    /// static when the cluster's `/info` lists `slo`.
    pub fn with_slo(mut self, slo: bool) -> Self {
        self.config.slo = Some(slo);
        self
    }

    /// Segments one SLO manifest lists; more parts than this are written as a manifest of
    /// manifests. Default (and upper bound): the cluster's `max_manifest_segments` (1000).
    pub fn with_max_manifest_segments(mut self, n: u64) -> Self {
        self.config.max_manifest_segments = Some(n.max(2));
        self
    }

    /// Builds the store (and the connection, when given as settings). No request is made.
    pub fn build(self) -> object_store::Result<SwiftStore> {
        let container = self
            .container
            .filter(|c| !c.is_empty())
            .ok_or_else(|| generic("a SwiftStore needs a container (with_container)"))?;
        swiftclient::path::check_container(&container).map_err(|e| crate::error::map(e, ""))?;
        let segment_container = self
            .segment_container
            .unwrap_or_else(|| format!("{container}_segments"));
        swiftclient::path::check_container(&segment_container)
            .map_err(|e| crate::error::map(e, ""))?;
        if segment_container == container {
            return Err(generic(
                "the segment container must differ from the container (segments would be listed as objects)",
            ));
        }
        let conn = match (self.connection, self.connection_builder) {
            (Some(c), _) => c,
            (None, Some(b)) => b.build().map_err(|e| crate::error::map(e, ""))?,
            (None, None) => {
                return Err(generic(
                    "a SwiftStore needs a connection: with_connection, with_connection_builder, from_env or from_cloud",
                ))
            }
        };
        Ok(SwiftStore::from_parts(
            conn,
            container,
            segment_container,
            self.config,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_a_container_and_a_connection() {
        let err = SwiftStoreBuilder::new().build().unwrap_err();
        assert!(err.to_string().contains("container"), "{err}");
        let err = SwiftStoreBuilder::new()
            .with_container("c")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("connection"), "{err}");
        let conn = Connection::preauth("http://127.0.0.1:1/v1/AUTH_x", "tok").unwrap();
        let err = SwiftStoreBuilder::new()
            .with_connection(conn.clone())
            .with_container("c")
            .with_segment_container("c")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("segment container"), "{err}");
        let store = SwiftStoreBuilder::new()
            .with_connection(conn)
            .with_container("c")
            .build()
            .unwrap();
        assert_eq!(store.segment_container(), "c_segments");
        assert_eq!(store.to_string(), "SwiftStore(c)");
    }
}
