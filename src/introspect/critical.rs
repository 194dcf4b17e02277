//! Work and span of a run (`--critical-path`), from the recorded evaluations.
//!
//! Each evaluation's exclusive time is its duration minus the time covered by its children
//! (the union of their intervals, so children running at the same time are not subtracted
//! twice). work = the sum of exclusive times. span(e) = exclusive(e) + the spans of its
//! children, where children are taken in start order and those whose intervals overlap
//! (they ran concurrently: tasks, `parallel_block` parts) form one group that contributes
//! its longest member only. Children evaluated one after another never overlap, so for a
//! sequential run span == work exactly.

use super::names::Tree;
use super::profiler::Event;
use std::collections::HashMap;
use std::fmt::Write;

/// The result of the analysis.
#[derive(Clone, Debug, Default)]
pub struct CriticalPath {
    /// ns
    pub work: u64,
    /// ns
    pub span: u64,
    /// Evaluations on the critical path, grouped by node: (address, evaluations, exclusive
    /// time on the path in ns), longest first.
    pub nodes: Vec<(usize, u64, u64)>,
    /// Ids of the evaluations on the path.
    pub path: Vec<u64>,
}

impl CriticalPath {
    pub fn parallelism(&self) -> f64 {
        if self.span == 0 {
            1.0
        } else {
            self.work as f64 / self.span as f64
        }
    }
}

/// Splits children (sorted by start) into groups of overlapping intervals.
fn waves<'a>(children: &[&'a Event]) -> Vec<Vec<&'a Event>> {
    let mut out: Vec<Vec<&Event>> = Vec::new();
    let mut end = 0u64;
    for &c in children {
        match out.last_mut() {
            Some(w) if c.start_ns < end => {
                w.push(c);
                end = end.max(c.end_ns);
            }
            _ => {
                out.push(vec![c]);
                end = c.end_ns;
            }
        }
    }
    out
}

/// Analyses `events` (all evaluations of a run, as [`super::Profiler::events`] returns them).
pub fn analyse(events: &[Event]) -> CriticalPath {
    let index: HashMap<u64, usize> = events.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
    let mut children: Vec<Vec<&Event>> = vec![Vec::new(); events.len()];
    let mut roots: Vec<&Event> = Vec::new();
    for e in events {
        match index.get(&e.parent) {
            Some(&p) => children[p].push(e),
            None => roots.push(e),
        }
    }
    for c in children.iter_mut() {
        c.sort_by_key(|e| (e.start_ns, e.id));
    }
    roots.sort_by_key(|e| (e.start_ns, e.id));

    // Children have larger ids than their parents: going by id downwards sees every child
    // before its parent, without recursion (runs can nest 10 000 calls deep).
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(events[i].id));
    let mut excl = vec![0u64; events.len()];
    let mut span = vec![0u64; events.len()];
    for &i in &order {
        let e = &events[i];
        let mut covered = 0u64;
        let mut chain = 0u64;
        for w in waves(&children[i]) {
            let start = w
                .iter()
                .map(|c| c.start_ns)
                .min()
                .unwrap_or(0)
                .max(e.start_ns);
            let end = w.iter().map(|c| c.end_ns).max().unwrap_or(0).min(e.end_ns);
            covered += end.saturating_sub(start);
            chain += w.iter().map(|c| span[index[&c.id]]).max().unwrap_or(0);
        }
        excl[i] = (e.end_ns - e.start_ns).saturating_sub(covered);
        span[i] = excl[i] + chain;
    }

    let mut result = CriticalPath {
        work: excl.iter().sum(),
        ..CriticalPath::default()
    };
    // Walk down: in each group of concurrent children, the longest one is on the path.
    let mut todo: Vec<usize> = Vec::new();
    for w in waves(&roots) {
        if let Some(best) = w
            .iter()
            .max_by_key(|c| (span[index[&c.id]], std::cmp::Reverse(c.id)))
        {
            result.span += span[index[&best.id]];
            todo.push(index[&best.id]);
        }
    }
    let mut by_node: HashMap<usize, (u64, u64)> = HashMap::new();
    while let Some(i) = todo.pop() {
        let e = &events[i];
        result.path.push(e.id);
        let entry = by_node.entry(e.addr).or_default();
        entry.0 += 1;
        entry.1 += excl[i];
        for w in waves(&children[i]) {
            if let Some(best) = w
                .iter()
                .max_by_key(|c| (span[index[&c.id]], std::cmp::Reverse(c.id)))
            {
                todo.push(index[&best.id]);
            }
        }
    }
    result.path.sort_unstable();
    result.nodes = by_node.into_iter().map(|(a, (n, t))| (a, n, t)).collect();
    result
        .nodes
        .sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    result
}

/// The report printed by `--critical-path`.
pub fn report(cp: &CriticalPath, tree: &Tree, limit: usize) -> String {
    use super::report::human_ns;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "critical path: work {}, span {}, parallelism {:.2}",
        human_ns(cp.work),
        human_ns(cp.span),
        cp.parallelism()
    );
    let _ = writeln!(
        out,
        "{:>11} {:>9}  {:<22} location   (nodes on the path, by exclusive time on it)",
        "time", "evals", "primitive"
    );
    for (addr, n, t) in cp.nodes.iter().take(limit) {
        let (prim, loc) = match tree.find(*addr) {
            Some(node) if node.kind == "program" && node.compile_id == 0 => continue,
            Some(node) => {
                let mut p = node.kind.clone();
                if let Some(i) = &node.instance {
                    let _ = write!(p, " {i}");
                }
                (p, node.location())
            }
            None => ("?".to_string(), String::new()),
        };
        let _ = writeln!(out, "{:>11} {:>9}  {:<22} {}", human_ns(*t), n, prim, loc);
    }
    if cp.nodes.len() > limit {
        let _ = writeln!(out, "... {} more nodes on the path", cp.nodes.len() - limit);
    }
    out
}
