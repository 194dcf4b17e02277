//! Chrome trace-event JSON (spec 6.2 `--trace`): one complete ("X") event per evaluation,
//! loadable in Perfetto (ui.perfetto.dev) and chrome://tracing.

use super::names::Tree;
use super::profiler::{Event, Produced};
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;

/// Microseconds with three decimals, from integer nanoseconds (exact, so that an event's
/// end computed by a viewer never passes its parent's end through rounding).
fn micros(ns: u64) -> Json {
    let text = format!("{}.{:03}", ns / 1000, ns % 1000);
    text.parse::<serde_json::Number>()
        .map(Json::Number)
        .unwrap_or(Json::Null)
}

/// The trace document. `tree` must know every node of `events` ([`Tree::name_others`]).
pub fn trace(tree: &Tree, events: &[Event]) -> Json {
    let mut sorted: Vec<&Event> = events.iter().collect();
    // per thread by start; a parent before the children that start at the same instant
    sorted.sort_by_key(|e| (e.thread, e.start_ns, std::cmp::Reverse(e.end_ns), e.id));
    let threads: BTreeSet<u32> = sorted.iter().map(|e| e.thread).collect();
    let mut out: Vec<Json> = threads
        .iter()
        .map(|&t| {
            let name = if t == 0 {
                "physl-eval".to_string()
            } else {
                format!("worker {}", t - 1)
            };
            json!({"name": "thread_name", "ph": "M", "pid": 1, "tid": t, "args": {"name": name}})
        })
        .collect();
    for e in sorted {
        let (name, cat, instance, location) = match tree.find(e.addr) {
            Some(n) => (n.trace_name(), n.family, n.instance_name(), n.location()),
            None => ("?".to_string(), "core", String::new(), String::new()),
        };
        let mut args = json!({
            "instance": instance,
            "location": location,
            "inline": e.inline,
        });
        match &e.produced {
            Produced::Numeric { dtype, shape } => {
                args["dtype"] = json!(dtype.name());
                args["shape"] = json!(shape);
            }
            Produced::Other(kind) => args["result"] = json!(kind),
            Produced::Error => args["result"] = json!("error"),
        }
        out.push(json!({
            "name": name,
            "cat": cat,
            "ph": "X",
            "ts": micros(e.start_ns),
            "dur": micros(e.end_ns - e.start_ns),
            "pid": 1,
            "tid": e.thread,
            "args": args,
        }));
    }
    json!({"traceEvents": out, "displayTimeUnit": "ms"})
}
