//! Where a secret may go: every helpdesk token and Prometheus credential is kept together
//! with its *destination*, the HTTP origins (`scheme://host:port`) it was entered for, and
//! is given out only for those origins.
//!
//! - [`secret_origin`] is the one rule for sending a secret over HTTP: an `https://`
//!   origin, or `http://` to this machine only (127.0.0.0/8, `::1`, `localhost`).
//!   Everything that attaches a stored or typed secret to a request calls it (through
//!   [`Destination::http`]).
//! - The keychain value of a bound account is an envelope: a marker line, the origins,
//!   then the secret. The origins are not secret; they live next to the secret so that
//!   nothing else (no store row, no file) has to be trusted to say where it may go.
//! - A value saved before destinations were recorded (a bare secret) is *legacy*: it is
//!   taken as bound to the destination of the configuration saved with it (the caller
//!   says which) and saved again bound on first use.

use std::fmt;
use std::net::IpAddr;

/// The first line of a bound secret's keychain value.
const MARKER: &str = "fieldline-bound-secret/1";
/// What starts the second line, before the origins (space-separated).
const TO: &str = "to ";

/// Why an address cannot receive a secret. Messages never quote the address as typed
/// (it may carry a user name and password): only its normalised origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DestinationError {
    #[error("the address is not a URL ({detail}); write it as https://host[:port]/...")]
    NotUrl { detail: String },

    #[error(
        "a secret is sent only over https:// (or http:// to this machine), not over {scheme}://"
    )]
    Scheme { scheme: String },

    #[error("the address names no host; write it as https://host[:port]/...")]
    NoHost,

    #[error(
        "refusing to send a secret over plain http:// to {origin}, where anyone on the way \
         can read it: use https://, or http:// only to this machine (localhost, \
         127.0.0.0/8, ::1)"
    )]
    PlainHttp { origin: String },
}

/// The origin a secret sent to `url` goes to, normalised (`https://rt.example.com:443`:
/// scheme and host in lower case, internationalised names in their ASCII form, IPv6 in
/// brackets, the default port written out), provided sending a secret there is allowed:
/// `https://` anywhere, `http://` only to loopback (127.0.0.0/8, `::1`, `localhost`).
pub fn secret_origin(url: &str) -> Result<String, DestinationError> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| DestinationError::NotUrl {
        detail: e.to_string(),
    })?;
    let scheme = parsed.scheme();
    if !matches!(scheme, "http" | "https") {
        return Err(DestinationError::Scheme {
            scheme: scheme.chars().take(20).collect(),
        });
    }
    let (host, loopback) = match parsed.host() {
        None => return Err(DestinationError::NoHost),
        Some(url::Host::Domain(d)) => {
            let d = d.strip_suffix('.').unwrap_or(d).to_ascii_lowercase();
            if d.is_empty() {
                return Err(DestinationError::NoHost);
            }
            let loopback = d == "localhost";
            (d, loopback)
        }
        Some(url::Host::Ipv4(a)) => (a.to_string(), is_loopback(IpAddr::V4(a))),
        Some(url::Host::Ipv6(a)) => (format!("[{a}]"), is_loopback(IpAddr::V6(a))),
    };
    let port = parsed
        .port_or_known_default()
        .ok_or(DestinationError::NoHost)?;
    let origin = format!("{scheme}://{host}:{port}");
    if scheme == "http" && !loopback {
        return Err(DestinationError::PlainHttp { origin });
    }
    Ok(origin)
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_loopback(),
        IpAddr::V6(a) => a.is_loopback() || a.to_ipv4_mapped().is_some_and(|m| m.is_loopback()),
    }
}

/// The origins one secret is sent to (a helpdesk: one; a Prometheus source: Prometheus
/// and its Alertmanager), each allowed by [`secret_origin`]. Never empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Destination {
    /// Sorted, without repeats.
    origins: Vec<String>,
}

impl Destination {
    /// The destination of a secret sent to `url`.
    pub fn http(url: &str) -> Result<Destination, DestinationError> {
        Ok(Destination {
            origins: vec![secret_origin(url)?],
        })
    }

    /// The destination of a secret sent to each of `urls` (at least one).
    pub fn http_all<'a>(
        urls: impl IntoIterator<Item = &'a str>,
    ) -> Result<Destination, DestinationError> {
        let mut origins = urls
            .into_iter()
            .map(secret_origin)
            .collect::<Result<Vec<_>, _>>()?;
        if origins.is_empty() {
            return Err(DestinationError::NoHost);
        }
        origins.sort();
        origins.dedup();
        Ok(Destination { origins })
    }

    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    /// Whether a secret bound to `self` may go to every origin of `wanted`.
    pub fn covers(&self, wanted: &Destination) -> bool {
        wanted.origins.iter().all(|o| self.origins.contains(o))
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.origins.len();
        for (i, origin) in self.origins.iter().enumerate() {
            if i > 0 {
                f.write_str(if i + 1 == n { " and " } else { ", " })?;
            }
            f.write_str(origin)?;
        }
        Ok(())
    }
}

/// A keychain value as read: bound to a destination, bare (saved before destinations were
/// recorded), or an envelope that cannot be read. No `Debug`: it holds the secret.
pub(crate) enum Stored {
    Bound { to: Destination, secret: String },
    Legacy(String),
    Damaged,
}

/// The keychain value of `secret` bound to `to`.
pub(crate) fn seal(to: &Destination, secret: &str) -> String {
    format!("{MARKER}\n{TO}{}\n{secret}", to.origins.join(" "))
}

/// Reads a keychain value.
pub(crate) fn open(value: String) -> Stored {
    let Some(rest) = value
        .strip_prefix(MARKER)
        .and_then(|r| r.strip_prefix('\n'))
    else {
        return Stored::Legacy(value);
    };
    let Some((line, secret)) = rest.split_once('\n') else {
        return Stored::Damaged;
    };
    let Some(list) = line.strip_prefix(TO) else {
        return Stored::Damaged;
    };
    let mut origins: Vec<String> = list.split(' ').map(str::to_owned).collect();
    if secret.is_empty() || origins.iter().any(|o| o.is_empty() || !o.contains("://")) {
        return Stored::Damaged;
    }
    origins.sort();
    origins.dedup();
    Stored::Bound {
        to: Destination { origins },
        secret: secret.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SECRET: &str = "tok-3f9a-very-secret";

    #[test]
    fn origins_are_normalised() {
        for (url, origin) in [
            ("https://rt.example.com", "https://rt.example.com:443"),
            ("https://RT.Example.COM./rt/", "https://rt.example.com:443"),
            (
                "  https://rt.example.com:8443/x?y#z ",
                "https://rt.example.com:8443",
            ),
            ("https://rt.example.com:443/", "https://rt.example.com:443"),
            (
                "HTTPS://user:pw@rt.example.com/",
                "https://rt.example.com:443",
            ),
            ("http://127.0.0.1:9090/", "http://127.0.0.1:9090"),
            ("http://127.1/", "http://127.0.0.1:80"),
            ("http://127.9.8.7:81", "http://127.9.8.7:81"),
            ("http://localhost/", "http://localhost:80"),
            ("http://LocalHost.:3000/", "http://localhost:3000"),
            ("http://[::1]:9093/", "http://[::1]:9093"),
            (
                "http://[::ffff:127.0.0.1]:1/",
                "http://[::ffff:127.0.0.1]:1",
            ),
            ("https://[2001:DB8::1]/", "https://[2001:db8::1]:443"),
        ] {
            assert_eq!(secret_origin(url).as_deref(), Ok(origin), "{url}");
        }
        // An internationalised name in its ASCII form: the same host however it is typed.
        let korean = secret_origin("https://고객지원.example/").unwrap();
        assert!(korean.starts_with("https://xn--"), "{korean}");
        assert!(korean.ends_with(".example:443"), "{korean}");
    }

    #[test]
    fn plain_http_goes_only_to_loopback() {
        for url in [
            "http://rt.example.com/",
            "http://10.0.0.5:8080/",
            "http://192.0.2.1/",
            "http://[2001:db8::1]/",
            "http://localhost.evil.example/",
            "http://127.0.0.1.nip.io/",
            "http://0.0.0.0/",
        ] {
            let err = secret_origin(url).expect_err(url);
            assert!(
                matches!(err, DestinationError::PlainHttp { .. }),
                "{url}: {err:?}"
            );
            let said = err.to_string();
            assert!(
                said.contains("http://") && said.contains("https://"),
                "{said}"
            );
        }
        assert!(matches!(
            secret_origin("ftp://rt.example.com/"),
            Err(DestinationError::Scheme { .. })
        ));
        assert!(matches!(
            secret_origin("rt.example.com"),
            Err(DestinationError::NotUrl { .. })
        ));
        assert!(matches!(
            secret_origin("file:///etc/passwd"),
            Err(DestinationError::Scheme { .. })
        ));
    }

    #[test]
    fn errors_never_quote_the_typed_address() {
        for url in [
            "http://tech:hunter2@rt.example.com/",
            "https://tech:hunter2@/",
            "ftp://tech:hunter2@x/",
            "not a url hunter2",
        ] {
            let err = secret_origin(url).expect_err(url);
            let shown = format!("{err} | {err:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }

    #[test]
    fn destinations_cover_their_own_origins() {
        let both =
            Destination::http_all(["https://p.example/", "https://am.example:9093/"]).unwrap();
        let p = Destination::http("https://P.example:443/prom/").unwrap();
        let other = Destination::http("https://evil.example/").unwrap();
        assert!(both.covers(&p));
        assert!(both.covers(&both));
        assert!(!p.covers(&both));
        assert!(!both.covers(&other));
        assert_eq!(
            both.to_string(),
            "https://am.example:9093 and https://p.example:443"
        );
        assert_eq!(p.to_string(), "https://p.example:443");
        let three = Destination::http_all(["https://a/", "https://b/", "https://c/", "https://a/"])
            .unwrap();
        assert_eq!(
            three.to_string(),
            "https://a:443, https://b:443 and https://c:443"
        );
        assert!(Destination::http_all([]).is_err());
        assert!(Destination::http_all(["https://a/", "http://b/"]).is_err());
    }

    #[test]
    fn envelope_round_trip() {
        let to = Destination::http_all(["https://p.example/", "http://127.0.0.1:9093"]).unwrap();
        for secret in [
            SECRET,
            "비밀번호 🔑",
            "line one\nline two",
            "to https://x:1\n",
        ] {
            let Stored::Bound {
                to: read,
                secret: s,
            } = open(seal(&to, secret))
            else {
                panic!("not read back as bound: {secret:?}");
            };
            assert_eq!((read, s.as_str()), (to.clone(), secret));
        }
    }

    #[test]
    fn bare_values_are_legacy_and_broken_envelopes_damaged() {
        for bare in [
            SECRET,
            "",
            "fieldline-bound-secret/1",
            "fieldline-bound-secret/2\nto x\ny",
        ] {
            assert!(
                matches!(open(bare.to_owned()), Stored::Legacy(s) if s == bare),
                "{bare:?}"
            );
        }
        for broken in [
            "fieldline-bound-secret/1\n",
            "fieldline-bound-secret/1\nto https://a:443",
            "fieldline-bound-secret/1\nto https://a:443\n",
            "fieldline-bound-secret/1\nfor https://a:443\nsecret",
            "fieldline-bound-secret/1\nto \nsecret",
            "fieldline-bound-secret/1\nto a  b\nsecret",
        ] {
            assert!(
                matches!(open(broken.to_owned()), Stored::Damaged),
                "{broken:?}"
            );
        }
    }
}
