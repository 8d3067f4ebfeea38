//! Network grains: addresses per interface (`ipv4`, `ip4_interfaces`,
//! `hwaddr_interfaces`, ...), default gateways (`ip4_gw`, ...), the
//! resolver configuration (`dns`) and host names (`fqdn`, `fqdn_ip4`, ...).
//!
//! The text formats (`resolv.conf`, `/proc/net/route`,
//! `/proc/net/ipv6_route`) have pure parsers; interface enumeration uses
//! `getifaddrs(3)` and `/sys/class/net`, and name resolution the system
//! resolver through `getaddrinfo(3)`.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value};

/// One network interface as the grains see it, in kernel (ifindex) order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interface {
    /// Interface name, e.g. `eth0`.
    pub name: String,
    /// IPv4 addresses, primary first.
    pub ipv4: Vec<Ipv4Addr>,
    /// IPv6 addresses, in kernel order.
    pub ipv6: Vec<Ipv6Addr>,
    /// MAC address as `aa:bb:cc:dd:ee:ff`, for Ethernet-like and loopback links.
    pub hwaddr: Option<String>,
}

/// `ipv4`, `ipv6` (sorted, deduplicated, loopback included),
/// `ip4_interfaces`, `ip6_interfaces`, `ip_interfaces` and `hwaddr_interfaces`.
pub fn interface_grains(ifaces: &[Interface]) -> Map<String, Value> {
    let v4: BTreeSet<Ipv4Addr> = ifaces.iter().flat_map(|i| i.ipv4.iter().copied()).collect();
    let v6: BTreeSet<Ipv6Addr> = ifaces.iter().flat_map(|i| i.ipv6.iter().copied()).collect();
    let strings =
        |it: &mut dyn Iterator<Item = String>| Value::Array(it.map(Value::String).collect());
    let mut ip4 = Map::new();
    let mut ip6 = Map::new();
    let mut ip = Map::new();
    let mut hw = Map::new();
    for i in ifaces {
        ip4.insert(
            i.name.clone(),
            strings(&mut i.ipv4.iter().map(ToString::to_string)),
        );
        ip6.insert(
            i.name.clone(),
            strings(&mut i.ipv6.iter().map(ToString::to_string)),
        );
        let both = i
            .ipv4
            .iter()
            .map(ToString::to_string)
            .chain(i.ipv6.iter().map(ToString::to_string));
        ip.insert(i.name.clone(), strings(&mut both.into_iter()));
        if let Some(mac) = &i.hwaddr {
            hw.insert(i.name.clone(), Value::String(mac.clone()));
        }
    }
    let mut g = Map::new();
    g.insert(
        "ipv4".into(),
        strings(&mut v4.iter().map(ToString::to_string)),
    );
    g.insert(
        "ipv6".into(),
        strings(&mut v6.iter().map(ToString::to_string)),
    );
    g.insert("ip4_interfaces".into(), Value::Object(ip4));
    g.insert("ip6_interfaces".into(), Value::Object(ip6));
    g.insert("ip_interfaces".into(), Value::Object(ip));
    g.insert("hwaddr_interfaces".into(), Value::Object(hw));
    g
}

/// Enumerates interfaces with `getifaddrs(3)`; MACs come from
/// `/sys/class/net/<iface>/address` for Ethernet, loopback and InfiniBand
/// links. An enumeration failure yields no interfaces.
pub fn interfaces() -> Vec<Interface> {
    let addrs = match nix::ifaddrs::getifaddrs() {
        Ok(a) => a,
        Err(e) => {
            tracing::debug!("getifaddrs failed, no interface grains: {e}");
            return Vec::new();
        }
    };
    let mut out: Vec<Interface> = Vec::new();
    for a in addrs {
        let idx = match out.iter().position(|i| i.name == a.interface_name) {
            Some(i) => i,
            None => {
                out.push(Interface {
                    name: a.interface_name.clone(),
                    ..Default::default()
                });
                out.len() - 1
            }
        };
        let Some(addr) = a.address else { continue };
        if let Some(sin) = addr.as_sockaddr_in() {
            out[idx].ipv4.push(sin.ip());
        } else if let Some(sin6) = addr.as_sockaddr_in6() {
            out[idx].ipv6.push(sin6.ip());
        }
    }
    for iface in &mut out {
        iface.hwaddr = sys_hwaddr(&iface.name);
    }
    out
}

/// `ip_gw`, `ip4_gw` and `ip6_gw` from the texts of `/proc/net/route` and
/// `/proc/net/ipv6_route`: the default route's gateway address, `true` for
/// a default route without a gateway, `false` for none.
pub fn gateway_grains(route_v4: &str, route_v6: &str) -> Map<String, Value> {
    let gw4 = parse_default_gw_v4(route_v4);
    let gw6 = parse_default_gw_v6(route_v6);
    let as_value = |gw: Option<Option<IpAddr>>| match gw {
        None => Value::Bool(false),
        Some(None) => Value::Bool(true),
        Some(Some(ip)) => Value::String(ip.to_string()),
    };
    let mut g = Map::new();
    g.insert("ip_gw".into(), Value::Bool(gw4.is_some() || gw6.is_some()));
    g.insert("ip4_gw".into(), as_value(gw4.map(|o| o.map(IpAddr::V4))));
    g.insert("ip6_gw".into(), as_value(gw6.map(|o| o.map(IpAddr::V6))));
    g
}

/// The IPv4 default route with the lowest metric: `Some(Some(gw))` when it
/// goes through a gateway, `Some(None)` for a device route, `None` if absent.
pub fn parse_default_gw_v4(text: &str) -> Option<Option<Ipv4Addr>> {
    let mut best: Option<(u32, Option<Ipv4Addr>)> = None;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 {
            continue;
        }
        let hex = |s: &str| u32::from_str_radix(s, 16).ok();
        let (Some(dest), Some(gw), Some(flags), Some(metric), Some(mask)) = (
            hex(f[1]),
            hex(f[2]),
            hex(f[3]),
            f[6].parse::<u32>().ok(),
            hex(f[7]),
        ) else {
            continue;
        };
        if dest != 0 || mask != 0 || flags & RTF_UP == 0 || flags & RTF_REJECT != 0 {
            continue;
        }
        // The kernel prints the address as a host-order integer of
        // network-order bytes.
        let via = (flags & RTF_GATEWAY != 0).then(|| Ipv4Addr::from(gw.to_ne_bytes()));
        if best.is_none_or(|(m, _)| metric < m) {
            best = Some((metric, via));
        }
    }
    best.map(|(_, via)| via)
}

/// The IPv6 default route with the lowest metric, as for IPv4.
pub fn parse_default_gw_v6(text: &str) -> Option<Option<Ipv6Addr>> {
    let mut best: Option<(u32, Option<Ipv6Addr>)> = None;
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 10 {
            continue;
        }
        let (Some(dest), Some(plen), Some(next), Some(metric), Some(flags)) = (
            hex_v6(f[0]),
            u8::from_str_radix(f[1], 16).ok(),
            hex_v6(f[4]),
            u32::from_str_radix(f[5], 16).ok(),
            u32::from_str_radix(f[8], 16).ok(),
        ) else {
            continue;
        };
        if !dest.is_unspecified() || plen != 0 || flags & RTF_UP == 0 || flags & RTF_REJECT != 0 {
            continue;
        }
        let via = (flags & RTF_GATEWAY != 0 && !next.is_unspecified()).then_some(next);
        if best.is_none_or(|(m, _)| metric < m) {
            best = Some((metric, via));
        }
    }
    best.map(|(_, via)| via)
}

/// The `dns` grain from resolver configuration text: `nameservers`,
/// `ip4_nameservers`, `ip6_nameservers`, `sortlist`, `domain`, `search`,
/// `options`, in that order. Bad addresses are logged and skipped.
pub fn parse_resolv_conf(text: &str) -> Map<String, Value> {
    let mut nameservers: Vec<String> = Vec::new();
    let mut ip4: Vec<String> = Vec::new();
    let mut ip6: Vec<String> = Vec::new();
    let mut sortlist: Vec<String> = Vec::new();
    let mut domain = String::new();
    let mut search: Vec<String> = Vec::new();
    let mut options: Vec<String> = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(directive) = words.next() else {
            continue;
        };
        let args: Vec<&str> = words.take_while(|w| !w.starts_with(['#', ';'])).collect();
        let Some(first) = args.first() else { continue };
        match directive.to_lowercase().as_str() {
            "nameserver" => match parse_ip_with_scope(first) {
                Some((ip, text)) => {
                    push_unique(&mut nameservers, &text);
                    push_unique(if ip.is_ipv4() { &mut ip4 } else { &mut ip6 }, &text);
                }
                None => tracing::debug!("resolv.conf: {first:?} is not an IP address"),
            },
            "domain" => domain = (*first).to_owned(),
            "search" => search = args.iter().map(|s| (*s).to_owned()).collect(),
            "sortlist" => {
                for raw in &args {
                    match sortlist_entry(raw) {
                        Some(net) => push_unique(&mut sortlist, &net),
                        None => tracing::debug!("resolv.conf: bad sortlist entry {raw:?}"),
                    }
                }
            }
            "options" => push_unique(&mut options, first),
            _ => {}
        }
    }
    let list = |v: Vec<String>| Value::Array(v.into_iter().map(Value::String).collect());
    let mut g = Map::new();
    g.insert("nameservers".into(), list(nameservers));
    g.insert("ip4_nameservers".into(), list(ip4));
    g.insert("ip6_nameservers".into(), list(ip6));
    g.insert("sortlist".into(), list(sortlist));
    g.insert("domain".into(), Value::String(domain));
    g.insert("search".into(), list(search));
    g.insert("options".into(), list(options));
    g
}

/// The host's FQDN the way Salt computes it: the canonical name the system
/// resolver gives for the host name, else the host name itself.
pub fn fqdn() -> String {
    let host = hostname();
    if host.is_empty() {
        return "localhost.localdomain".into();
    }
    let hints = dns_lookup::AddrInfoHints {
        flags: libc::AI_CANONNAME,
        address: libc::AF_UNSPEC,
        socktype: libc::SOCK_STREAM,
        protocol: libc::IPPROTO_TCP,
    };
    match dns_lookup::getaddrinfo(Some(&host), None, Some(hints)) {
        Ok(iter) => {
            for info in iter.flatten() {
                if let Some(name) = info.canonname.filter(|n| !n.is_empty()) {
                    return name;
                }
            }
            host
        }
        Err(e) => {
            tracing::debug!("cannot resolve host name {host:?} for its FQDN: {e:?}");
            host
        }
    }
}

/// The kernel's host name (`gethostname(2)`), empty if unavailable.
pub fn hostname() -> String {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Addresses `name` resolves to in one family, sorted and deduplicated;
/// empty when it does not resolve.
pub fn resolve(name: &str, v6: bool) -> Vec<String> {
    let hints = dns_lookup::AddrInfoHints {
        flags: 0,
        address: if v6 { libc::AF_INET6 } else { libc::AF_INET },
        socktype: libc::SOCK_STREAM,
        protocol: 0,
    };
    let Ok(iter) = dns_lookup::getaddrinfo(Some(name), None, Some(hints)) else {
        return Vec::new();
    };
    let set: BTreeSet<IpAddr> = iter.flatten().map(|i| i.sockaddr.ip()).collect();
    set.into_iter().map(|ip| ip.to_string()).collect()
}

const RTF_UP: u32 = 0x0001;
const RTF_GATEWAY: u32 = 0x0002;
const RTF_REJECT: u32 = 0x0200;
const ARPHRD_ETHER: &str = "1";
const ARPHRD_INFINIBAND: &str = "32";
const ARPHRD_LOOPBACK: &str = "772";

fn sys_hwaddr(iface: &str) -> Option<String> {
    if iface.contains('/') || iface.starts_with('.') {
        return None;
    }
    let base = std::path::Path::new("/sys/class/net").join(iface);
    let kind = std::fs::read_to_string(base.join("type")).ok()?;
    if ![ARPHRD_ETHER, ARPHRD_LOOPBACK, ARPHRD_INFINIBAND].contains(&kind.trim()) {
        return None;
    }
    let addr = std::fs::read_to_string(base.join("address")).ok()?;
    let addr = addr.trim();
    (!addr.is_empty()).then(|| addr.to_owned())
}

fn hex_v6(s: &str) -> Option<Ipv6Addr> {
    (s.len() == 32)
        .then(|| u128::from_str_radix(s, 16).ok().map(Ipv6Addr::from))
        .flatten()
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_owned());
    }
}

/// Parses an address that may carry an IPv6 zone (`fe80::1%eth0`),
/// returning it in canonical text form with the zone kept.
fn parse_ip_with_scope(raw: &str) -> Option<(IpAddr, String)> {
    let (addr, zone) = match raw.split_once('%') {
        Some((a, z)) => (a, Some(z)),
        None => (raw, None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    match (ip, zone) {
        (IpAddr::V6(_), Some(z)) if !z.is_empty() => Some((ip, format!("{ip}%{z}"))),
        (_, Some(_)) => None,
        (_, None) => Some((ip, ip.to_string())),
    }
}

/// An IPv4 sortlist entry as `network/netmask`; without a mask the
/// classful ("natural") one is used. Host bits set under an explicit mask
/// make the entry invalid, as do IPv6 entries.
fn sortlist_entry(raw: &str) -> Option<String> {
    let (addr, mask) = match raw.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (raw, None),
    };
    let ip: Ipv4Addr = addr.parse().ok()?;
    let bits = u32::from(ip);
    let mask_bits: u32 = match mask {
        None => match ip.octets()[0] {
            0..=127 => 0xff00_0000,
            128..=191 => 0xffff_0000,
            _ => 0xffff_ff00,
        },
        Some(m) => {
            if let Ok(len) = m.parse::<u32>() {
                if len > 32 {
                    return None;
                }
                u32::MAX.checked_shl(32 - len).unwrap_or(0)
            } else {
                let m: Ipv4Addr = m.parse().ok()?;
                let m = u32::from(m);
                if m.leading_ones() + m.trailing_zeros() != 32 {
                    return None;
                }
                m
            }
        }
    };
    if mask.is_some() && bits & !mask_bits != 0 {
        return None;
    }
    Some(format!(
        "{}/{}",
        Ipv4Addr::from(bits & mask_bits),
        Ipv4Addr::from(mask_bits)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ROUTE_V4: &str = include_str!("../tests/fixtures/proc/net-route");
    const ROUTE_V6: &str = include_str!("../tests/fixtures/proc/net-ipv6_route");

    #[test]
    fn gateways_from_proc() {
        let g = gateway_grains(ROUTE_V4, ROUTE_V6);
        assert_eq!(
            Value::Object(g),
            json!({"ip_gw": true, "ip4_gw": "192.0.2.1", "ip6_gw": "fd00::1"})
        );
    }

    #[test]
    fn no_default_route_and_device_route() {
        let header =
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";
        let only_local =
            format!("{header}eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n");
        let g = gateway_grains(&only_local, "");
        assert_eq!(
            Value::Object(g),
            json!({"ip_gw": false, "ip4_gw": false, "ip6_gw": false})
        );
        let device = format!("{header}wg0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n");
        let g = gateway_grains(&device, "");
        assert_eq!(
            Value::Object(g),
            json!({"ip_gw": true, "ip4_gw": true, "ip6_gw": false})
        );
    }

    #[test]
    fn lowest_metric_default_wins() {
        let text = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n\
                    wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\n\
                    eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\n";
        assert_eq!(
            parse_default_gw_v4(text),
            Some(Some(Ipv4Addr::new(192, 0, 2, 1)))
        );
    }

    #[test]
    fn resolv_conf_full() {
        let text = "# generated\nnameserver 10.0.0.53\nnameserver 2001:db8::53 # comment\nnameserver 10.0.0.53\n\
                    nameserver fe80::1%eth0\nnameserver bogus\nsearch example.com corp.example.com ; x\n\
                    domain example.com\noptions ndots:2 timeout:1\noptions rotate\n\
                    sortlist 130.155.160.0/255.255.240.0 130.155.0.0 10.1.2.3/8\n\n";
        let g = parse_resolv_conf(text);
        assert_eq!(
            Value::Object(g),
            json!({
                "nameservers": ["10.0.0.53", "2001:db8::53", "fe80::1%eth0"],
                "ip4_nameservers": ["10.0.0.53"],
                "ip6_nameservers": ["2001:db8::53", "fe80::1%eth0"],
                "sortlist": ["130.155.160.0/255.255.240.0", "130.155.0.0/255.255.0.0"],
                "domain": "example.com",
                "search": ["example.com", "corp.example.com"],
                "options": ["ndots:2", "rotate"],
            })
        );
    }

    #[test]
    fn resolv_conf_empty_has_every_key() {
        let g = parse_resolv_conf("");
        let keys: Vec<&str> = g.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "nameservers",
                "ip4_nameservers",
                "ip6_nameservers",
                "sortlist",
                "domain",
                "search",
                "options"
            ]
        );
    }

    #[test]
    fn interface_grains_shapes() {
        let ifaces = vec![
            Interface {
                name: "lo".into(),
                ipv4: vec![Ipv4Addr::LOCALHOST],
                ipv6: vec![Ipv6Addr::LOCALHOST],
                hwaddr: Some("00:00:00:00:00:00".into()),
            },
            Interface {
                name: "ifb0".into(),
                hwaddr: Some("0a:83:b5:04:19:4c".into()),
                ..Default::default()
            },
            Interface {
                name: "eth0".into(),
                ipv4: vec![Ipv4Addr::new(192, 0, 2, 2), Ipv4Addr::new(10, 0, 0, 1)],
                ipv6: vec![
                    "fd00::2".parse().unwrap(),
                    "fe80::fc:ff:fe00:1".parse().unwrap(),
                ],
                hwaddr: Some("02:fc:00:00:00:01".into()),
            },
            Interface {
                name: "tun0".into(),
                ipv4: vec![Ipv4Addr::new(10, 0, 0, 1)],
                ..Default::default()
            },
        ];
        let g = interface_grains(&ifaces);
        assert_eq!(g["ipv4"], json!(["10.0.0.1", "127.0.0.1", "192.0.2.2"]));
        assert_eq!(g["ipv6"], json!(["::1", "fd00::2", "fe80::fc:ff:fe00:1"]));
        assert_eq!(
            g["ip4_interfaces"],
            json!({"lo": ["127.0.0.1"], "ifb0": [], "eth0": ["192.0.2.2", "10.0.0.1"], "tun0": ["10.0.0.1"]})
        );
        assert_eq!(
            g["ip6_interfaces"]["eth0"],
            json!(["fd00::2", "fe80::fc:ff:fe00:1"])
        );
        assert_eq!(g["ip_interfaces"]["lo"], json!(["127.0.0.1", "::1"]));
        assert_eq!(
            g["hwaddr_interfaces"],
            json!({"lo": "00:00:00:00:00:00", "ifb0": "0a:83:b5:04:19:4c", "eth0": "02:fc:00:00:00:01"})
        );
        let order: Vec<&str> = g["ip4_interfaces"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(order, ["lo", "ifb0", "eth0", "tun0"]);
    }
}
