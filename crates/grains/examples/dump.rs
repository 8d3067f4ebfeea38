//! Prints this host's core grains as JSON and how long collection took, to
//! compare against `salt-call --local grains.items --out json` by eye.

fn main() {
    let id = std::env::args().nth(1).unwrap_or_else(salt_grains::fqdn);
    let started = std::time::Instant::now();
    let grains = salt_grains::core_grains(&id);
    let took = started.elapsed();
    match serde_json::to_string_pretty(&grains) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("cannot print grains: {e}"),
    }
    eprintln!("core_grains took {took:?}");
}
