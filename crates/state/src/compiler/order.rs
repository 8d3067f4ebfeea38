//! Execution order of low chunks (Salt's `order_chunks`). Every chunk gets
//! a numeric `order`: its own (`order: 5`), `first` (0), `last` (after
//! everything), negative numbers counting back from the end, or, when it has
//! none, a cap just past the largest explicit one. With `state_auto_order`
//! (Salt's default) the SLS layer gave each state `10000 + its definition
//! index`, so definition order wins among plain states. `names` entries keep
//! their order through a tiny fraction. Ties sort by `state + name + fun`.

use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::low::LowChunk;

/// Gives every chunk its final `order` and sorts them (stable).
pub fn order_chunks(mut chunks: Vec<LowChunk>) -> Vec<LowChunk> {
    // Python integers do not overflow: compute in i128.
    let mut cap: i128 = 1;
    for chunk in &chunks {
        if let Some(o) = chunk.get("order").and_then(as_int)
            && o > cap - 1
            && o > 0
        {
            cap = o + 100;
        }
    }
    for chunk in &mut chunks {
        let Some(order) = chunk.get("order").cloned() else {
            chunk.set("order", int(cap));
            continue;
        };
        let mut order = if is_number(&order) {
            order
        } else {
            match order.as_str() {
                Some("last") => int(cap + 1_000_000),
                Some("first") => Value::from(0),
                _ => int(cap),
            }
        };
        if let Some(name_order) = chunk.remove("name_order") {
            let n = as_f64(&name_order).unwrap_or(0.0);
            order = float(as_f64(&order).unwrap_or(0.0) + n / 10000.0);
        }
        if as_f64(&order).is_some_and(|o| o < 0.0) {
            order = match as_int(&order) {
                Some(i) => int(cap + 1_000_000 + i),
                None => float(cap as f64 + 1_000_000.0 + as_f64(&order).unwrap_or(0.0)),
            };
        }
        chunk.set("order", order);
    }
    chunks.sort_by(|a, b| {
        compare_orders(a.get("order"), b.get("order")).then_with(|| sort_text(a).cmp(&sort_text(b)))
    });
    chunks
}

/// Python `int` (booleans included).
fn as_int(v: &Value) -> Option<i128> {
    match v {
        Value::Bool(b) => Some(i128::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from)),
        _ => None,
    }
}

/// An integer as JSON: exact when it fits 64 bits, else a float.
fn int(i: i128) -> Value {
    if let Ok(v) = i64::try_from(i) {
        Value::from(v)
    } else if let Ok(v) = u64::try_from(i) {
        Value::from(v)
    } else {
        float(i as f64)
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Bool(_) | Value::Number(_))
}

fn float(f: f64) -> Value {
    Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn compare_orders(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    let (a, b) = (a.unwrap_or(&Value::Null), b.unwrap_or(&Value::Null));
    match (as_int(a), as_int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => as_f64(a)
            .unwrap_or(0.0)
            .partial_cmp(&as_f64(b).unwrap_or(0.0))
            .unwrap_or(Ordering::Equal),
    }
}

fn sort_text(c: &LowChunk) -> String {
    format!("{}{}{}", c.state(), c.name_str(), c.fun())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chunk(name: &str, order: Option<Value>) -> LowChunk {
        let mut m = serde_json::Map::new();
        m.insert("state".into(), json!("test"));
        m.insert("name".into(), json!(name));
        m.insert("__id__".into(), json!(name));
        m.insert("fun".into(), json!("nop"));
        if let Some(o) = order {
            m.insert("order".into(), o);
        }
        LowChunk::from_map(m).unwrap()
    }

    #[test]
    fn first_last_numbers_negative_and_default() {
        let out = order_chunks(vec![
            chunk("last", Some(json!("last"))),
            chunk("plain", None),
            chunk("first", Some(json!("first"))),
            chunk("five", Some(json!(5))),
            chunk("neg", Some(json!(-1))),
            chunk("word", Some(json!("soon"))),
        ]);
        let names: Vec<String> = out.iter().map(LowChunk::name_str).collect();
        assert_eq!(names, ["first", "five", "plain", "word", "neg", "last"]);
        let orders: Vec<&Value> = out.iter().map(|c| &c.as_map()["order"]).collect();
        assert_eq!(
            orders,
            [
                &json!(0),
                &json!(5),
                &json!(105),
                &json!(105),
                &json!(1000104),
                &json!(1000105)
            ]
        );
    }
}
