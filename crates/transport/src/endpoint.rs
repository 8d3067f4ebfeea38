//! Parses `tcp://host:port` endpoints: the guard binds and dials them itself,
//! so they must be understood before any zeromq socket exists.

use crate::TransportError;

/// A parsed `tcp://host:port` endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TcpTarget {
    /// Host name or address, without IPv6 brackets; `*` becomes `0.0.0.0`.
    pub(crate) host: String,
    pub(crate) port: u16,
}

impl TcpTarget {
    pub(crate) fn parse(endpoint: &str) -> Result<Self, TransportError> {
        let bad = |reason| TransportError::InvalidEndpoint {
            endpoint: endpoint.to_owned(),
            reason,
        };
        let rest = endpoint
            .strip_prefix("tcp://")
            .ok_or_else(|| bad("only the tcp transport is supported"))?;
        let (host, port) = rest.rsplit_once(':').ok_or_else(|| bad("missing port"))?;
        let port: u16 = port
            .parse()
            .map_err(|_| bad("port is not a number 0-65535"))?;
        let host = match host {
            "*" => "0.0.0.0",
            h if h.starts_with('[') => h
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .ok_or_else(|| bad("unbalanced brackets around the IPv6 address"))?,
            h => h,
        };
        if host.is_empty() {
            return Err(bad("missing host"));
        }
        if host.contains(['/', ' ', '\0']) || (host.contains(':') && !rest.starts_with('[')) {
            return Err(bad("malformed host"));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
        })
    }

    pub(crate) fn addr(&self) -> (&str, u16) {
        (self.host.as_str(), self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> (String, u16) {
        let t = TcpTarget::parse(s).unwrap();
        (t.host, t.port)
    }

    #[test]
    fn parses_hosts_and_ports() {
        assert_eq!(ok("tcp://0.0.0.0:4505"), ("0.0.0.0".into(), 4505));
        assert_eq!(ok("tcp://*:0"), ("0.0.0.0".into(), 0));
        assert_eq!(ok("tcp://[::1]:4506"), ("::1".into(), 4506));
        assert_eq!(
            ok("tcp://salt.example.com:4506"),
            ("salt.example.com".into(), 4506)
        );
    }

    #[test]
    fn rejects_bad_endpoints() {
        for bad in [
            "ipc:///tmp/x",
            "tcp://host",
            "tcp://:4505",
            "tcp://host:70000",
            "tcp://host:-1",
            "tcp://[::1:4505",
            "tcp://::1:4505",
            "tcp://a b:1",
            "4505",
        ] {
            assert!(
                matches!(
                    TcpTarget::parse(bad),
                    Err(TransportError::InvalidEndpoint { .. })
                ),
                "{bad} should be rejected"
            );
        }
    }
}
