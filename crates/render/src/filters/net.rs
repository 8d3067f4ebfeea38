//! Network filters with Python `ipaddress` semantics: `is_ip`, `is_ipv4`,
//! `is_ipv6`, `ipaddr`, `ipv4`, `ipv6` (with Salt's options: `private`,
//! `public`, `loopback`, `link-local`, `multicast`, `reserved`,
//! `site-local`, `unspecified`), `ip_host`, `network_hosts`,
//! `network_size`, `ipwrap`, `filter_by_networks`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error};

use super::{Args, fail, params, text_of};
use crate::value::{dict_from, list_from, map_entries};

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("is_ip", |v: Value, a: Args| -> Result<bool, Error> {
        let o = options(&a, "is_ip")?;
        Ok(check(&v, 4, o.as_deref()).is_some() || check(&v, 6, o.as_deref()).is_some())
    });
    env.add_filter("is_ipv4", |v: Value, a: Args| -> Result<bool, Error> {
        Ok(check(&v, 4, options(&a, "is_ipv4")?.as_deref()).is_some())
    });
    env.add_filter("is_ipv6", |v: Value, a: Args| -> Result<bool, Error> {
        Ok(check(&v, 6, options(&a, "is_ipv6")?.as_deref()).is_some())
    });
    env.add_filter("ipv4", |v: Value, a: Args| -> Result<Value, Error> {
        Ok(version_filter(&v, 4, options(&a, "ipv4")?.as_deref()))
    });
    env.add_filter("ipv6", |v: Value, a: Args| -> Result<Value, Error> {
        Ok(version_filter(&v, 6, options(&a, "ipv6")?.as_deref()))
    });
    env.add_filter("ipaddr", |v: Value, a: Args| -> Result<Value, Error> {
        Ok(ipaddr(&v, options(&a, "ipaddr")?.as_deref()))
    });
    env.add_filter("ip_host", |v: Value, a: Args| {
        per_network(&v, &a, "ip_host", |n| Value::from(n))
    });
    env.add_filter("network_hosts", |v: Value, a: Args| {
        per_network(&v, &a, "network_hosts", hosts)
    });
    env.add_filter("network_size", |v: Value, a: Args| {
        per_network(&v, &a, "network_size", |n| match n.parse::<IpNet>() {
            Ok(net) => {
                let bits = u32::from(net.max_prefix_len() - net.prefix_len());
                match 1u128.checked_shl(bits) {
                    Some(n) => Value::from(n),
                    None => Value::from(f64::powi(2.0, 128)),
                }
            }
            Err(_) => Value::from(()),
        })
    });
    env.add_filter("ipwrap", ipwrap);
    env.add_filter("filter_by_networks", filter_by_networks);
}

fn options(args: &Args, name: &str) -> Result<Option<String>, Error> {
    let p = params(name, args, &["options"])?;
    Ok(p[0].as_ref().filter(|v| !v.is_none()).map(text_of))
}

/// An address, or an address with a prefix or netmask (Python's
/// `ip_interface`), as Python prints it (`10.0.0.5`, `10.0.0.5/24`).
#[derive(Debug, Clone, Copy)]
struct Parsed {
    addr: IpAddr,
    prefix: Option<u8>,
}

impl Parsed {
    fn text(&self) -> String {
        let a = addr_text(self.addr);
        match self.prefix {
            Some(p) => format!("{a}/{p}"),
            None => a,
        }
    }
}

fn parse(s: &str) -> Option<Parsed> {
    if let Some(addr) = parse_addr(s) {
        return Some(Parsed { addr, prefix: None });
    }
    let (a, p) = s.split_once('/')?;
    let addr = parse_addr(a)?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match p.parse::<u8>() {
        Ok(n) if n <= max && p.chars().all(|c| c.is_ascii_digit()) => n,
        _ => {
            // A dotted netmask (IPv4 only).
            let mask: Ipv4Addr = p.parse().ok().filter(|_| addr.is_ipv4())?;
            let m = u32::from(mask);
            if m.leading_ones() + m.trailing_zeros() != 32 {
                return None;
            }
            u8::try_from(m.leading_ones()).ok()?
        }
    };
    Some(Parsed {
        addr,
        prefix: Some(prefix),
    })
}

/// Python's `ip_address`: dotted quads without leading zeros, IPv6 with an
/// optional `%scope`.
fn parse_addr(s: &str) -> Option<IpAddr> {
    if s.contains(':') {
        let base = s.split_once('%').map(|(a, _)| a).unwrap_or(s);
        return base.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4
        || parts.iter().any(|p| {
            p.is_empty()
                || p.len() > 3
                || (p.len() > 1 && p.starts_with('0'))
                || !p.chars().all(|c| c.is_ascii_digit())
        })
    {
        return None;
    }
    s.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// Python's text of an address: IPv6 compressed, IPv4-mapped ones in hex.
fn addr_text(a: IpAddr) -> String {
    match a {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let segs = v6.segments();
            // Rust writes `::ffff:1.2.3.4`; Python 3.11 writes hex groups.
            if segs[..5].iter().all(|s| *s == 0) && segs[5] == 0xffff {
                format!("::ffff:{:x}:{:x}", segs[6], segs[7])
            } else {
                v6.to_string()
            }
        }
    }
}

/// Salt's `_is_ipv`: the value's text if it is an address of `version`
/// passing every named option, else `None`.
fn check(v: &Value, version: u8, options: Option<&str>) -> Option<String> {
    let s = v.as_str()?;
    let p = parse(s)?;
    let ok_version = matches!((version, p.addr), (4, IpAddr::V4(_)) | (6, IpAddr::V6(_)));
    if !ok_version {
        return None;
    }
    if let Some(opts) = options.filter(|o| !o.is_empty()) {
        let wanted: Vec<&str> = opts.split(',').map(str::trim).collect();
        for (names, test) in OPTIONS {
            if names.iter().any(|n| wanted.contains(n)) && !test(p.addr) {
                return None;
            }
        }
    }
    Some(p.text())
}

type Test = fn(IpAddr) -> bool;

const OPTIONS: [(&[&str], Test); 8] = [
    (&["global", "public"], |a| !is_private(a)),
    (
        &["link-local", "linklocal", "ll", "link_local"],
        |a| match a {
            IpAddr::V4(v) => v.is_link_local(),
            IpAddr::V6(v) => (v.segments()[0] & 0xffc0) == 0xfe80,
        },
    ),
    (&["loopback", "lo"], |a| a.is_loopback()),
    (&["multicast"], |a| a.is_multicast()),
    (&["private"], is_private),
    (&["reserved"], is_reserved),
    (&["site-local", "sl", "site_local"], |a| match a {
        IpAddr::V4(_) => false,
        IpAddr::V6(v) => (v.segments()[0] & 0xffc0) == 0xfec0,
    }),
    (&["unspecified"], |a| a.is_unspecified()),
];

fn in_any(a: IpAddr, nets: &[&str]) -> bool {
    nets.iter()
        .filter_map(|n| n.parse::<IpNet>().ok())
        .any(|n| n.contains(&a))
}

/// Python 3.11's `is_private`.
fn is_private(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(_) => in_any(
            a,
            &[
                "0.0.0.0/8",
                "10.0.0.0/8",
                "127.0.0.0/8",
                "169.254.0.0/16",
                "172.16.0.0/12",
                "192.0.0.0/29",
                "192.0.0.170/31",
                "192.0.2.0/24",
                "192.168.0.0/16",
                "198.18.0.0/15",
                "198.51.100.0/24",
                "203.0.113.0/24",
                "240.0.0.0/4",
                "255.255.255.255/32",
            ],
        ),
        IpAddr::V6(_) => in_any(
            a,
            &[
                "::1/128",
                "::/128",
                "::ffff:0:0/96",
                "100::/64",
                "2001::/23",
                "2001:2::/48",
                "2001:db8::/32",
                "2001:10::/28",
                "fc00::/7",
                "fe80::/10",
            ],
        ),
    }
}

/// Python's `is_reserved`.
fn is_reserved(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(_) => in_any(a, &["240.0.0.0/4"]),
        IpAddr::V6(_) => in_any(
            a,
            &[
                "::/8", "100::/8", "200::/7", "400::/6", "800::/5", "1000::/4", "4000::/3",
                "6000::/3", "8000::/3", "a000::/3", "c000::/3", "e000::/4", "f000::/5", "f800::/6",
                "fe00::/9",
            ],
        ),
    }
}

/// `ipv4` / `ipv6`: a string gives its text or `None`; a list gives the
/// matching items.
fn version_filter(v: &Value, version: u8, options: Option<&str>) -> Value {
    match v.kind() {
        ValueKind::String => check(v, version, options)
            .map(Value::from)
            .unwrap_or(Value::from(())),
        ValueKind::Seq | ValueKind::Iterable => list_from(
            v.try_iter()
                .map(|it| {
                    it.filter_map(|x| check(&x, version, options))
                        .map(Value::from)
                        .collect()
                })
                .unwrap_or_default(),
        ),
        _ => Value::from(()),
    }
}

/// `ipaddr`: IPv4 matches, then IPv6 ones, for a list; the one that
/// matches for a string.
fn ipaddr(v: &Value, options: Option<&str>) -> Value {
    let (v4, v6) = (version_filter(v, 4, options), version_filter(v, 6, options));
    if v4.kind() == ValueKind::Seq && v6.kind() == ValueKind::Seq {
        let mut all: Vec<Value> = v4.try_iter().map(|i| i.collect()).unwrap_or_default();
        all.extend(
            v6.try_iter()
                .map(|i| i.collect::<Vec<_>>())
                .unwrap_or_default(),
        );
        list_from(all)
    } else if v4.is_true() {
        v4
    } else {
        v6
    }
}

/// `ip_host`, `network_hosts`, `network_size`: `f` of each valid entry, a
/// single result for a string input.
fn per_network(
    v: &Value,
    args: &Args,
    name: &str,
    f: impl Fn(&str) -> Value,
) -> Result<Value, Error> {
    let p = params(name, args, &["options", "version"])?;
    let opts = p[0].as_ref().filter(|v| !v.is_none()).map(text_of);
    let found = match p[1].as_ref().and_then(Value::as_i64) {
        Some(4) => version_filter(v, 4, opts.as_deref()),
        Some(6) => version_filter(v, 6, opts.as_deref()),
        _ => ipaddr(v, opts.as_deref()),
    };
    if !found.is_true() {
        return Ok(Value::from(()));
    }
    let entries: Vec<String> = if found.kind() == ValueKind::Seq {
        found.try_iter()?.map(|x| text_of(&x)).collect()
    } else {
        vec![text_of(&found)]
    };
    let with_prefix = |e: &str| -> String {
        if e.contains('/') {
            e.to_owned()
        } else if e.contains(':') {
            format!("{e}/128")
        } else {
            format!("{e}/32")
        }
    };
    let results: Vec<Value> = entries.iter().map(|e| f(&with_prefix(e))).collect();
    if v.kind() == ValueKind::Seq {
        Ok(list_from(results))
    } else {
        Ok(results.into_iter().next().unwrap_or(Value::from(())))
    }
}

/// Python's `ip_network(strict=False).hosts()`: IPv4 without the network
/// and broadcast addresses (except /31 and /32), IPv6 without the network
/// address (except /127 and /128).
fn hosts(net: &str) -> Value {
    let Ok(net) = net.parse::<IpNet>() else {
        return Value::from(());
    };
    let net = net.trunc();
    let host_bits = net.max_prefix_len() - net.prefix_len();
    if host_bits > 24 {
        // Python would list millions of hosts; refuse rather than hang.
        return Value::from(());
    }
    let all: Vec<IpAddr> = match net {
        IpNet::V4(n) => {
            let start = u32::from(n.network());
            let count = 1u32 << host_bits;
            let range: Vec<u32> = if host_bits <= 1 {
                (0..count).collect()
            } else {
                (1..count - 1).collect()
            };
            range
                .into_iter()
                .map(|i| IpAddr::V4(Ipv4Addr::from(start + i)))
                .collect()
        }
        IpNet::V6(n) => {
            let start = u128::from(n.network());
            let count = 1u128 << host_bits;
            let range: Vec<u128> = if host_bits <= 1 {
                (0..count).collect()
            } else {
                (1..count).collect()
            };
            range
                .into_iter()
                .map(|i| IpAddr::V6(Ipv6Addr::from(start + i)))
                .collect()
        }
    };
    list_from(all.into_iter().map(|a| Value::from(addr_text(a))).collect())
}

/// `ipwrap`: IPv6 addresses in brackets (a string, or each list item).
fn ipwrap(v: Value) -> Value {
    let wrap = |x: &Value| -> Value {
        match check(x, 6, None) {
            Some(_) => match x
                .as_str()
                .and_then(|s| parse_addr(s.trim_start_matches('[').trim_end_matches(']')))
            {
                Some(a) => Value::from(format!("[{}]", addr_text(a))),
                None => x.clone(),
            },
            None => x.clone(),
        }
    };
    match v.kind() {
        ValueKind::Seq => list_from(
            v.try_iter()
                .map(|i| i.map(|x| wrap(&x)).collect())
                .unwrap_or_default(),
        ),
        _ => wrap(&v),
    }
}

/// `values | filter_by_networks(networks)`: the addresses inside any of
/// the networks (per interface for a dict); `None` keeps everything.
fn filter_by_networks(values: Value, networks: Value) -> Result<Value, Error> {
    if networks.is_none() {
        return Ok(values);
    }
    let nets: Vec<IpNet> = networks
        .try_iter()?
        .map(|n| {
            text_of(&n)
                .parse::<IpNet>()
                .map_err(|e| fail(format!("ValueError: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let filter = |ips: &Value| -> Result<Value, Error> {
        let mut out = Vec::new();
        for ip in ips.try_iter()? {
            let a = parse_addr(&text_of(&ip)).ok_or_else(|| {
                fail(format!(
                    "ValueError: {} does not appear to be an IPv4 or IPv6 address",
                    text_of(&ip)
                ))
            })?;
            for n in &nets {
                if n.contains(&a) {
                    out.push(ip.clone());
                }
            }
        }
        Ok(list_from(out))
    };
    match values.kind() {
        ValueKind::Map => {
            let mut out = indexmap::IndexMap::new();
            for (k, v) in map_entries(&values)? {
                out.insert(k, filter(&v)?);
            }
            Ok(dict_from(out))
        }
        ValueKind::Seq => filter(&values),
        _ => Err(fail("ValueError: Do not know how to filter this value")),
    }
}
