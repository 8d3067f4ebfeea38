//! End-to-end checks of the public API against realistic minion data.
//!
//! `grains-minion1.json` is `salt minion1 grains.items --out json` from the
//! Salt 3007.8 lab in `shared/salt-reference/outputs/grains.items.json.txt`,
//! trimmed of long lists. Two more minions are derived from it so that each
//! target below selects a known subset, as the master's `select` would.

use indexmap::IndexMap;
use salt_target::{Facts, Target, TargetError, TargetExpr, TargetType, expand_nodegroups, select};
use serde_json::{Value, json};

struct Fleet {
    grains: Vec<(String, Value)>,
    pillar: Vec<Value>,
}

fn fleet() -> Fleet {
    let base: Value = serde_json::from_str(include_str!("grains-minion1.json")).unwrap();
    let mut m2 = base.clone();
    m2["id"] = json!("minion2");
    m2["os"] = json!("Rocky");
    m2["os_family"] = json!("RedHat");
    m2["osfinger"] = json!("Rocky Linux-9");
    m2["ipv4"] = json!(["127.0.0.1", "10.20.0.7"]);
    m2["ipv6"] = json!(["::1"]);
    m2["locale_info"]["timezone"] = json!("Europe/Paris");
    m2["hwaddr_interfaces"]["eth0"] = json!("02:fc:00:00:00:02");
    let mut m3 = base.clone();
    m3["id"] = json!("minion3");
    m3["ipv4"] = json!(["127.0.0.1", "192.0.2.3"]);
    m3["ipv6"] = json!(["::1", "fd00::3"]);
    m3["roles"] = json!(["etcd", "k8s-master"]);
    m3["disks"] = json!([{"name": "vda", "ssd": false}, {"name": "vdb", "ssd": true}]);
    let pillar = vec![
        json!({"cluster_server_ip": "172.16.0.240", "role": "web",
               "cluster_servers": {"master": ["127.0.0.1", "172.16.0.3"]}}),
        json!({"cluster_server_ip": "172.16.0.240", "role": "db"}),
        json!({"role": "Web*"}),
    ];
    Fleet {
        grains: vec![
            ("minion1".into(), base),
            ("minion2".into(), m2),
            ("minion3".into(), m3),
        ],
        pillar,
    }
}

impl Fleet {
    fn facts(&self) -> Vec<Facts<'_>> {
        self.grains
            .iter()
            .zip(&self.pillar)
            .map(|((id, grains), pillar)| Facts {
                id,
                grains,
                pillar: Some(pillar),
            })
            .collect()
    }

    fn select(&self, t: &Target) -> Vec<String> {
        let compiled = t
            .compile()
            .unwrap_or_else(|e| panic!("{t:?} does not compile: {e}"));
        select(&compiled, self.facts())
    }

    fn sel(&self, tgt: &str, tt: TargetType) -> Vec<String> {
        self.select(&Target::new(tgt, tt))
    }
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn glob_targets() {
    let f = fleet();
    let g = TargetType::Glob;
    assert_eq!(f.sel("*", g), ids(&["minion1", "minion2", "minion3"]));
    assert_eq!(f.sel("minion[12]", g), ids(&["minion1", "minion2"]));
    assert_eq!(f.sel("minion[!12]", g), ids(&["minion3"]));
    assert_eq!(f.sel("?inion2", g), ids(&["minion2"]));
    assert_eq!(f.sel("Minion*", g), ids(&[]));
}

#[test]
fn list_and_pcre_targets() {
    let f = fleet();
    assert_eq!(
        f.sel("minion1,minion3", TargetType::List),
        ids(&["minion1", "minion3"])
    );
    assert_eq!(
        f.select(&Target::list(["minion2", "nosuch"])),
        ids(&["minion2"])
    );
    assert_eq!(
        f.sel(r"minion[23]", TargetType::Pcre),
        ids(&["minion2", "minion3"])
    );
    assert_eq!(f.sel(r"inion", TargetType::Pcre), ids(&[]));
    assert_eq!(f.sel(r"m.*1$", TargetType::Pcre), ids(&["minion1"]));
}

#[test]
fn grain_targets() {
    let f = fleet();
    let g = TargetType::Grain;
    assert_eq!(f.sel("os:Debian", g), ids(&["minion1", "minion3"]));
    assert_eq!(f.sel("os_family:redhat", g), ids(&["minion2"]));
    // Nested dicts: -G 'a:b:c'.
    assert_eq!(f.sel("locale_info:timezone:Europe/*", g), ids(&["minion2"]));
    assert_eq!(f.sel("dns:nameservers:10.255.255.53", g).len(), 3);
    // A list grain matches when any element does.
    assert_eq!(f.sel("ipv4:192.0.2.*", g), ids(&["minion1", "minion3"]));
    assert_eq!(f.sel("roles:k8s-*", g), ids(&["minion3"]));
    assert_eq!(f.sel("osrelease_info:12", g).len(), 3);
    // Dicts inside a list.
    assert_eq!(f.sel("disks:name:vdb", g), ids(&["minion3"]));
    assert_eq!(f.sel("disks:1:ssd:True", g), ids(&["minion3"]));
    // The value contains the delimiter.
    assert_eq!(f.sel("ipv6:::1", g).len(), 3);
    assert_eq!(f.sel("ipv6:fd00::3", g), ids(&["minion3"]));
    assert_eq!(
        f.sel("hwaddr_interfaces:eth0:02:fc:00:00:00:01", g),
        ids(&["minion1", "minion3"])
    );
    // Python string forms of non-strings.
    assert_eq!(f.sel("transactional:False", g).len(), 3);
    assert_eq!(f.sel("package:None", g).len(), 3);
    assert_eq!(f.sel("num_cpus:2", g).len(), 3);
    assert_eq!(f.sel("kernelparams:*'quiet', None*", g).len(), 3);
    // A key that exists, with any value.
    assert_eq!(f.sel("locale_info:*", g).len(), 3);
    assert_eq!(f.sel("nosuch:*", g), ids(&[]));
}

#[test]
fn grain_target_with_another_delimiter() {
    let f = fleet();
    let mut t = Target::new("hwaddr_interfaces|eth0|02:fc:*:02", TargetType::Grain);
    t.delimiter = "|".into();
    assert_eq!(f.select(&t), ids(&["minion2"]));
    let t = Target::new("G|@locale_info|timezone|Europe/Paris", TargetType::Compound);
    assert_eq!(f.select(&t), ids(&["minion2"]));
}

#[test]
fn grain_pcre_targets() {
    let f = fleet();
    let p = TargetType::GrainPcre;
    assert_eq!(f.sel("os:(RedHat|Rocky)", p), ids(&["minion2"]));
    assert_eq!(f.sel(r"kernelrelease:6\.18", p).len(), 3);
    assert_eq!(
        f.sel(r"osfinger:debian-1[0-9]$", p),
        ids(&["minion1", "minion3"])
    );
    assert_eq!(f.sel("os:ebian", p), ids(&[]));
}

#[test]
fn ipcidr_targets() {
    let f = fleet();
    let s = TargetType::Ipcidr;
    assert_eq!(f.sel("192.0.2.0/24", s), ids(&["minion1", "minion3"]));
    assert_eq!(f.sel("192.0.2.3", s), ids(&["minion3"]));
    assert_eq!(f.sel("10.0.0.0/8", s), ids(&["minion2"]));
    assert_eq!(f.sel("127.0.0.1", s).len(), 3);
    assert_eq!(f.sel("fd00::/8", s), ids(&["minion1", "minion3"]));
    assert_eq!(f.sel("fe80::/10", s), ids(&["minion1"]));
    assert_eq!(f.sel("fd00::3", s), ids(&["minion3"]));
    assert_eq!(f.sel("172.16.0.0/12", s), ids(&[]));
}

#[test]
fn pillar_targets() {
    let f = fleet();
    assert_eq!(f.sel("role:web", TargetType::Pillar), ids(&["minion1"]));
    assert_eq!(
        f.sel("role:web*", TargetType::Pillar),
        ids(&["minion1", "minion3"])
    );
    assert_eq!(
        f.sel("role:web*", TargetType::PillarExact),
        ids(&["minion3"])
    );
    assert_eq!(
        f.sel("role:(db|x)", TargetType::PillarPcre),
        ids(&["minion2"])
    );
    assert_eq!(
        f.sel("cluster_servers:master:172.16.0.3", TargetType::Pillar),
        ids(&["minion1"])
    );
    // Without pillar nothing matches.
    let c = Target::new("role:*", TargetType::Pillar).compile().unwrap();
    let g = json!({});
    assert!(!c.matches(&Facts {
        id: "minion1",
        grains: &g,
        pillar: None
    }));
}

#[test]
fn compound_targets() {
    let f = fleet();
    let c = TargetType::Compound;
    assert_eq!(f.sel("G@os:Debian and not L@minion3", c), ids(&["minion1"]));
    assert_eq!(f.sel("G@os:Debian not minion3", c), ids(&["minion1"]));
    assert_eq!(
        f.sel("( minion2 or G@roles:etcd ) and S@10.0.0.0/8", c),
        ids(&["minion2"])
    );
    assert_eq!(
        f.sel("minion2 or G@roles:etcd and S@10.0.0.0/8", c),
        ids(&["minion2"])
    );
    assert_eq!(
        f.sel("not ( E@minion[12] or P@os:Rocky )", c),
        ids(&["minion3"])
    );
    assert_eq!(
        f.sel("I@role:web or J@role:^db$", c),
        ids(&["minion1", "minion2"])
    );
    assert_eq!(
        f.sel("* and not I@role:db", c),
        ids(&["minion1", "minion3"])
    );
    assert_eq!(f.sel("G@ipv6:::1 and S@fd00::3", c), ids(&["minion3"]));
}

#[test]
fn nodegroups_expand_then_select() {
    let f = fleet();
    let groups: IndexMap<String, Value> = serde_json::from_value(json!({
        "debian": "G@os:Debian",
        "first": ["minion1"],
        "k8s": "N@debian and not N@first",
        "all_but": "N@k8s or minion2",
        "loop_a": "N@loop_b",
        "loop_b": "minion1 or N@loop_a",
    }))
    .unwrap();
    let t = expand_nodegroups(&Target::new("k8s", TargetType::Nodegroup), &groups).unwrap();
    assert_eq!(t.tgt_type, TargetType::Compound);
    assert_eq!(
        t.tgt,
        TargetExpr::One("( G@os:Debian and not L@minion1 )".into())
    );
    assert_eq!(f.select(&t), ids(&["minion3"]));
    let t = expand_nodegroups(&Target::new("N@all_but", TargetType::Compound), &groups).unwrap();
    assert_eq!(f.select(&t), ids(&["minion2", "minion3"]));
    let err = expand_nodegroups(&Target::new("loop_a", TargetType::Nodegroup), &groups);
    assert_eq!(
        err.unwrap_err().to_string(),
        "nodegroup \"loop_a\" includes itself: loop_a -> loop_b -> loop_a"
    );
    let err = expand_nodegroups(
        &Target::new("minion1 or N@nope", TargetType::Compound),
        &groups,
    );
    assert_eq!(err.unwrap_err().to_string(), "unknown nodegroup \"nope\"");
}

#[test]
fn bad_targets_are_errors_naming_the_piece() {
    let cases: &[(&str, TargetType, &str)] = &[
        ("web(", TargetType::Pcre, "web("),
        ("os:Deb(ian", TargetType::GrainPcre, "Deb(ian"),
        ("10.0.0.1/33", TargetType::Ipcidr, "10.0.0.1/33"),
        ("192.168.1.1/24", TargetType::Ipcidr, "192.168.1.0/24"),
        ("os", TargetType::Grain, "\"os\""),
        ("G@os:Debian and", TargetType::Compound, "G@os:Debian and"),
        ("minion1 minion2", TargetType::Compound, "minion2"),
        ("(minion1 or minion2)", TargetType::Compound, "(minion1"),
        (
            "R@%cluster",
            TargetType::Compound,
            "range matching is not supported",
        ),
        ("E@a) or b", TargetType::Compound, "E@a)"),
        ("web", TargetType::Nodegroup, "expand"),
    ];
    for (tgt, tt, needle) in cases {
        let err: TargetError = Target::new(*tgt, *tt).compile().unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(needle),
            "{tgt:?} ({tt}): {msg:?} lacks {needle:?}"
        );
    }
}

/// A tiny deterministic generator, so the fuzz-ish test needs no crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

#[test]
fn random_compound_strings_never_panic() {
    const PIECES: &[&str] = &[
        "and", "or", "not", "(", ")", "G@", "P@", "E@", "S@", "L@", "N@", "R@", "I@", "J@", "X@",
        "G|@", ":", "::", "*", "?", "[", "]", "[!", "\\", "|", "@", ",", "os", "minion1", "1", ".",
        "/", "24", "fd00", "é", "(?", "+", "{", "}", "$", "^",
    ];
    let f = fleet();
    let facts = f.facts();
    let mut rng = Lcg(0x5eed);
    let (mut compiled, mut matched) = (0, 0);
    for _ in 0..1000 {
        let mut s = String::new();
        for _ in 0..1 + rng.next(10) {
            s.push_str(PIECES[rng.next(PIECES.len())]);
            if rng.next(3) == 0 {
                s.push(' ');
            }
        }
        for tt in TargetType::ALL {
            if let Ok(c) = Target::new(s.as_str(), tt).compile() {
                compiled += 1;
                matched += facts.iter().filter(|fa| c.matches(fa)).count();
            }
        }
    }
    // Make sure the generator exercised both paths.
    assert!(compiled > 100, "{compiled}");
    assert!(matched > 10, "{matched}");
}
