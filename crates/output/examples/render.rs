//! Renders JSON documents from stdin (one per line) with every outputter and
//! prints each result as a JSON string, one line per outputter. Used to
//! compare against Python during development (see `tools/oracle.py`).

use std::io::BufRead;

use salt_output::{Format, Options, render_all, render_all_retcode};

fn main() {
    let cases: [(Format, Option<i64>); 8] = [
        (Format::Yaml, None),
        (Format::Yaml, Some(-1)),
        (Format::Pprint, None),
        (Format::Raw, None),
        (Format::Txt, None),
        (Format::Json, None),
        (Format::Json, Some(-1)),
        (Format::Yaml, Some(4)),
    ];
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let Ok(data) = serde_json::from_str::<serde_json::Value>(&line) else {
            eprintln!("skipping a line that is not JSON");
            continue;
        };
        for (fmt, indent) in cases {
            let o = Options {
                indent,
                ..Options::default()
            };
            let text = render_all(fmt, &data, &o);
            println!("{}", serde_json::Value::String(text));
        }
        // Nested: plain, coloured, coloured with a failed retcode.
        for (color, retcode) in [(false, 0), (true, 0), (true, 1)] {
            let o = Options {
                color,
                ..Options::default()
            };
            let text = render_all_retcode(Format::Nested, &data, retcode, &o);
            println!("{}", serde_json::Value::String(text));
        }
    }
}
