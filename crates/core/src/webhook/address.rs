//! Which network addresses a webhook may reach. A receiver in the office network (the
//! database, the router's admin page, a cloud's metadata service at 169.254.169.254) must not
//! be reachable through a URL an attacker typed, so private addresses are refused unless the
//! subscription allows them: when it is saved (IP addresses) and at every delivery, after the
//! name is resolved (every address it resolved to).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::MAX_URL_CHARS;

/// The host of a subscription's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Ip(IpAddr),
    Name(String),
}

/// A subscription's address, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    pub host: Host,
    pub port: u16,
}

/// Takes an `http://` or `https://` address apart; refuses anything else, credentials in the
/// address, and numeric hosts that are not plain IP addresses (`http://2130706433/` is
/// 127.0.0.1 to the system's resolver).
pub fn parse_url(url: &str) -> std::result::Result<Target, &'static str> {
    const INVALID: &str = "error-webhook-url-invalid";
    if url.chars().count() > MAX_URL_CHARS {
        return Err("error-too-long");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(INVALID);
    }
    let lower = url.to_ascii_lowercase();
    let (https, rest) = if lower.starts_with("https://") {
        (true, &url[8..])
    } else if lower.starts_with("http://") {
        (false, &url[7..])
    } else {
        return Err(INVALID);
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') || authority.contains('\\') {
        return Err(INVALID);
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (addr, after) = v6.split_once(']').ok_or(INVALID)?;
        let ip: Ipv6Addr = addr.parse().map_err(|_| INVALID)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(INVALID)?),
        };
        (Host::Ip(IpAddr::V6(ip)), port)
    } else {
        let (name, port) = match authority.rsplit_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (authority, None),
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if name.is_empty() || !name.split('.').all(label_ok) {
            return Err(INVALID);
        }
        match name.parse::<Ipv4Addr>() {
            Ok(ip) => (Host::Ip(IpAddr::V4(ip)), port),
            Err(_) => {
                // A top-level label is never numeric: such a "name" is an address in one of
                // the old shorthand forms (127.1, 0x7f.0.0.1).
                let last = name.rsplit('.').next().unwrap_or("");
                if last.chars().all(|c| c.is_ascii_digit()) || last.starts_with("0x") {
                    return Err(INVALID);
                }
                (Host::Name(name), port)
            }
        }
    };
    let port = match port {
        None => {
            if https {
                443
            } else {
                80
            }
        }
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.chars().all(|c| c.is_ascii_digit()) => n,
            _ => return Err(INVALID),
        },
    };
    Ok(Target { https, host, port })
}

/// Checks an address when a subscription is saved: well-formed, and not a private-network IP
/// address unless allowed. Names are checked after each lookup, at delivery time.
pub fn check_url(url: &str, allow_private: bool) -> std::result::Result<Target, &'static str> {
    let target = parse_url(url)?;
    if let Host::Ip(ip) = target.host
        && !allow_private
        && is_private(ip)
    {
        return Err("error-webhook-url-private");
    }
    Ok(target)
}

/// Checks the addresses a host name resolved to, all of them: the first private one, if any
/// and not allowed (a name with one public and one private address is refused).
pub fn check_resolved(addrs: &[IpAddr], allow_private: bool) -> std::result::Result<(), IpAddr> {
    if allow_private {
        return Ok(());
    }
    match addrs.iter().find(|ip| is_private(**ip)) {
        Some(ip) => Err(*ip),
        None => Ok(()),
    }
}

/// Whether `ip` is anything but a public unicast address: loopback, private (RFC 1918),
/// link-local, unique-local, shared (CGNAT), unspecified, multicast, broadcast, reserved,
/// documentation and benchmarking ranges, and IPv4 addresses embedded in IPv6 ones (mapped,
/// compatible, NAT64, 6to4) that are any of these.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => private_v6(v6),
    }
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0 // "this network", including 0.0.0.0
        || a == 10
        || a == 127
        || (a == 100 && (b & 0xc0) == 64) // 100.64.0.0/10, carrier-grade NAT
        || (a == 169 && b == 254)
        || (a == 172 && (b & 0xf0) == 16)
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && (c == 0 || c == 2)) // IETF assignments, TEST-NET-1
        || (a == 198 && (b & 0xfe) == 18) // 198.18.0.0/15, benchmarking
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224 // multicast, reserved, broadcast
}

fn private_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| {
        private_v4(Ipv4Addr::new(
            (hi >> 8) as u8,
            hi as u8,
            (lo >> 8) as u8,
            lo as u8,
        ))
    };
    if s[..5] == [0, 0, 0, 0, 0] && (s[5] == 0 || s[5] == 0xffff) {
        // ::, ::1, IPv4-compatible ::a.b.c.d and IPv4-mapped ::ffff:a.b.c.d.
        return (s[5] == 0 && s[6] == 0 && s[7] <= 1) || embedded(s[6], s[7]);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return embedded(s[6], s[7]); // NAT64
    }
    if s[0] == 0x2002 {
        return embedded(s[1], s[2]); // 6to4
    }
    (s[0] & 0xfe00) == 0xfc00 // fc00::/7, unique local
        || (s[0] & 0xffc0) == 0xfe80 // fe80::/10, link-local
        || (s[0] & 0xffc0) == 0xfec0 // fec0::/10, the old site-local
        || (s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] & 0xfff0) == 0x3ff0 // 3fff::/20, documentation
        || (s[0] == 0x2001 && s[1] == 0) // Teredo: tunnels to anywhere
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64
        || s[..4] == [0x100, 0, 0, 0] // discard-only
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private(s: &str) -> bool {
        is_private(s.parse().unwrap())
    }

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "127.255.1.2",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "::",
            "::1",
            "fe80::1",
            "febf::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "2001::1",
        ] {
            assert!(private(ip), "{ip} is private");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.1.1",
            "192.167.1.1",
            "198.20.0.1",
            "223.255.255.254",
            "2a00:1450:4001:80b::200e",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::",
        ] {
            assert!(!private(ip), "{ip} is public");
        }
    }

    #[test]
    fn urls_are_taken_apart() {
        let t = parse_url("https://hooks.example.com/in?x=1").unwrap();
        assert_eq!(
            t,
            Target {
                https: true,
                host: Host::Name("hooks.example.com".into()),
                port: 443
            }
        );
        let t = parse_url("HTTP://127.0.0.1:8080/x").unwrap();
        assert_eq!(t.host, Host::Ip("127.0.0.1".parse().unwrap()));
        assert_eq!((t.https, t.port), (false, 8080));
        let t = parse_url("http://[::1]:9000").unwrap();
        assert_eq!((t.host, t.port), (Host::Ip("::1".parse().unwrap()), 9000));
        for bad in [
            "ftp://example.com/",
            "http://",
            "http://user:pw@example.com/",
            "http://example.com:0/",
            "http://example.com:99999/",
            "http://example.com:+80/",
            "http://exa mple.com/",
            "http://2130706433/",
            "http://127.1/",
            "http://0x7f.0.0.1/",
            "http://[fe80::1%25eth0]/",
            "javascript:alert(1)",
            "//example.com",
        ] {
            assert!(parse_url(bad).is_err(), "{bad} is refused");
        }
    }

    #[test]
    fn private_addresses_need_the_allowance_when_saved() {
        assert_eq!(
            check_url("http://127.0.0.1:9/", false),
            Err("error-webhook-url-private")
        );
        assert!(check_url("http://127.0.0.1:9/", true).is_ok());
        assert_eq!(
            check_url("http://[::ffff:192.168.0.1]/", false),
            Err("error-webhook-url-private")
        );
        // Names are checked once resolved, at every delivery.
        assert!(check_url("http://localhost:9/", false).is_ok());
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let public: IpAddr = "8.8.8.8".parse().unwrap();
        assert_eq!(check_resolved(&[public, lo], false), Err(lo));
        assert_eq!(check_resolved(&[public, lo], true), Ok(()));
        assert_eq!(check_resolved(&[public], false), Ok(()));
    }
}
