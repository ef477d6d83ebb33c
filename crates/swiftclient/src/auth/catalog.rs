//! Picking the object-store endpoint out of a Keystone service catalog.

use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// Which catalog entry to use (python-swiftclient's `service_type`, `endpoint_type`,
/// `region_name`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointFilter {
    /// Service type (default `object-store`).
    pub service_type: Option<String>,
    /// Interface: `public`/`publicURL` (default), `internal`/`internalURL`, `admin`/`adminURL`.
    pub interface: Option<String>,
    /// Region; any region when unset.
    pub region: Option<String>,
}

impl EndpointFilter {
    /// A filter from the three settings.
    pub fn new(
        service_type: Option<String>,
        interface: Option<String>,
        region: Option<String>,
    ) -> Self {
        EndpointFilter {
            service_type,
            interface,
            region,
        }
    }

    fn service_type(&self) -> &str {
        self.service_type
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("object-store")
    }

    /// The v3 interface name (`public`, `internal`, `admin`).
    fn interface(&self) -> String {
        let i = self
            .interface
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("public");
        i.strip_suffix("URL").unwrap_or(i).to_ascii_lowercase()
    }

    fn region_ok(&self, region: Option<&str>) -> bool {
        match self.region.as_deref().filter(|r| !r.is_empty()) {
            None => true,
            Some(want) => region == Some(want),
        }
    }

    fn not_found(&self, available: &[String]) -> Error {
        let mut msg = format!(
            "Endpoint for {} not found (interface {}, region {}) - have you specified a region?",
            self.service_type(),
            self.interface(),
            self.region.as_deref().unwrap_or("any"),
        );
        if available.is_empty() {
            msg.push_str(" The catalog has no such service.");
        } else {
            msg.push_str(" The catalog offers: ");
            msg.push_str(&available.join(", "));
        }
        Error::new(ErrorKind::Auth, msg)
    }
}

/// Selects from a v3 catalog (`token.catalog`).
pub(crate) fn select_v3(catalog: &Value, f: &EndpointFilter) -> crate::Result<String> {
    let interface = f.interface();
    let mut available = Vec::new();
    for svc in catalog.as_array().into_iter().flatten() {
        if svc["type"].as_str() != Some(f.service_type()) {
            continue;
        }
        for ep in svc["endpoints"].as_array().into_iter().flatten() {
            let region = ep["region_id"].as_str().or_else(|| ep["region"].as_str());
            let iface = ep["interface"].as_str().unwrap_or("");
            available.push(format!("{iface}/{}", region.unwrap_or("-")));
            if iface == interface && f.region_ok(region) {
                if let Some(url) = ep["url"].as_str() {
                    return Ok(url.to_owned());
                }
            }
        }
    }
    Err(f.not_found(&available))
}

/// Selects from a v2.0 catalog (`access.serviceCatalog`).
pub(crate) fn select_v2(catalog: &Value, f: &EndpointFilter) -> crate::Result<String> {
    let key = format!("{}URL", f.interface());
    let mut available = Vec::new();
    for svc in catalog.as_array().into_iter().flatten() {
        if svc["type"].as_str() != Some(f.service_type()) {
            continue;
        }
        for ep in svc["endpoints"].as_array().into_iter().flatten() {
            let region = ep["region"].as_str();
            for i in ["public", "internal", "admin"] {
                if ep.get(format!("{i}URL")).is_some() {
                    available.push(format!("{i}/{}", region.unwrap_or("-")));
                }
            }
            if f.region_ok(region) {
                if let Some(url) = ep[key.as_str()].as_str() {
                    return Ok(url.to_owned());
                }
            }
        }
    }
    Err(f.not_found(&available))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v3() -> Value {
        json!([
            {"type": "identity", "endpoints": [{"interface": "public", "region_id": "R1", "url": "http://k"}]},
            {"type": "object-store", "endpoints": [
                {"interface": "public", "region_id": "R1", "url": "http://pub1"},
                {"interface": "internal", "region_id": "R1", "url": "http://int1"},
                {"interface": "public", "region_id": "R2", "url": "http://pub2"}
            ]}
        ])
    }

    #[test]
    fn v3_selection() {
        let f = |i: Option<&str>, r: Option<&str>| {
            EndpointFilter::new(None, i.map(Into::into), r.map(Into::into))
        };
        assert_eq!(select_v3(&v3(), &f(None, None)).unwrap(), "http://pub1");
        assert_eq!(
            select_v3(&v3(), &f(Some("internalURL"), None)).unwrap(),
            "http://int1"
        );
        assert_eq!(
            select_v3(&v3(), &f(Some("public"), Some("R2"))).unwrap(),
            "http://pub2"
        );
        let err = select_v3(&v3(), &f(Some("admin"), Some("R1"))).unwrap_err();
        assert!(
            err.to_string()
                .contains("Endpoint for object-store not found"),
            "{err}"
        );
        assert!(err.to_string().contains("internal/R1"), "{err}");
    }

    #[test]
    fn v2_selection() {
        let cat = json!([{"type": "object-store", "endpoints": [
            {"region": "R1", "publicURL": "http://p1", "internalURL": "http://i1"},
            {"region": "R2", "publicURL": "http://p2"}
        ]}]);
        let f = EndpointFilter::new(None, Some("internalURL".into()), None);
        assert_eq!(select_v2(&cat, &f).unwrap(), "http://i1");
        let f = EndpointFilter::new(None, None, Some("R2".into()));
        assert_eq!(select_v2(&cat, &f).unwrap(), "http://p2");
        let f = EndpointFilter::new(None, Some("admin".into()), None);
        assert!(select_v2(&cat, &f).is_err());
    }
}
