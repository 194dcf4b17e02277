//! The counter table (`--performance`, on stderr) and its CSV (`--dump-counters`, spec 7.4).

use super::names::{Tree, TreeNode};
use super::profiler::{NodeRecord, NodeStats};
use crate::syntax::span::SourceMap;
use std::collections::HashMap;
use std::fmt::Write;

/// Rows shown on stderr; the CSV has them all.
const TABLE_ROWS: usize = 40;

/// One node with its counters.
#[derive(Clone, Debug)]
pub struct Row {
    pub node: TreeNode,
    pub stats: NodeStats,
}

/// Every node of the tree (also those that never ran) and every other node that ran (stdlib
/// functions), by total time, longest first.
pub fn rows(tree: &mut Tree, records: &[NodeRecord], sources: &SourceMap) -> Vec<Row> {
    tree.name_others(records, sources);
    let by_addr: HashMap<usize, &NodeRecord> = records.iter().map(|r| (r.addr, r)).collect();
    let mut rows: Vec<Row> = tree
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| tree.is_shown(*i))
        .filter_map(|(_, n)| {
            let a = n.addr?;
            Some(Row {
                node: n.clone(),
                stats: by_addr.get(&a).map(|r| r.stats).unwrap_or_default(),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.stats
            .total_ns
            .cmp(&a.stats.total_ns)
            .then_with(|| a.node.instance_name().cmp(&b.node.instance_name()))
    });
    rows
}

/// `1.234 ms`-style durations.
pub fn human_ns(ns: u64) -> String {
    let ns = ns as f64;
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} us", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// The table printed by `--performance`: nodes that ran, by total (inclusive) time.
pub fn table(rows: &[Row]) -> String {
    let ran: Vec<&Row> = rows.iter().filter(|r| r.stats.count > 0).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "performance counters: {} nodes ran (time: inclusive total, self = without children \
         on the same thread)",
        ran.len()
    );
    let _ = writeln!(
        out,
        "{:>11} {:>11} {:>9} {:>11} {:>9} {:>7} {:>10}  {:<22} location",
        "total", "self", "count", "mean", "inline", "tasks", "bytes", "primitive"
    );
    for r in ran.iter().take(TABLE_ROWS) {
        let s = &r.stats;
        let mut prim = r.node.kind.clone();
        if let Some(i) = &r.node.instance {
            let _ = write!(prim, " {i}");
        }
        let _ = writeln!(
            out,
            "{:>11} {:>11} {:>9} {:>11} {:>9} {:>7} {:>10}  {:<22} {}",
            human_ns(s.total_ns),
            human_ns(s.self_ns),
            s.count,
            human_ns(s.total_ns / s.count.max(1)),
            s.inline,
            s.tasks,
            s.bytes,
            prim,
            r.node.location()
        );
    }
    if ran.len() > TABLE_ROWS {
        let _ = writeln!(
            out,
            "... {} more nodes (all of them: --dump-counters FILE)",
            ran.len() - TABLE_ROWS
        );
    }
    out
}

/// The CSV of spec 7.4 (header included, an empty line at the end). Our columns after
/// `transferred_bytes`: location, self time (ns), inline and task evaluations, result bytes.
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "primitive_instance,display_name,count,time,eval_direct,transferred_bytes,\
         location,self_time,inline,tasks,result_bytes\n",
    );
    for r in rows {
        let s = &r.stats;
        let _ = writeln!(
            out,
            "{},{},{},{},{},0,{},{},{},{},{}",
            quote(&r.node.instance_name()),
            quote(&r.node.display_name()),
            s.count,
            s.total_ns,
            s.eval_direct(),
            quote(&r.node.location()),
            s.self_ns,
            s.inline,
            s.tasks,
            s.bytes
        );
    }
    out.push('\n');
    out
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}
