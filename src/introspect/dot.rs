//! The tree as a Graphviz graph (spec 7.5), optionally with labels: primitive, location and,
//! when counters ran, time and a heat colour by share of the total time.

use super::names::Tree;
use super::profiler::NodeStats;
use std::collections::HashMap;
use std::fmt::Write;

/// Counters by node address, for labels.
pub type Times<'a> = Option<&'a HashMap<usize, NodeStats>>;

/// The graph exactly as spec 7.5 (no attributes) when `labels` is false.
pub fn dot(tree: &Tree, labels: bool, times: Times) -> String {
    let mut out = format!("graph \"{}\" {{\n", esc(&tree.code_name));
    if labels {
        attributes(tree, times, &mut out);
    }
    let mut expanded = vec![false; tree.nodes.len()];
    for &r in &tree.roots {
        let name = tree.nodes[r].instance_name();
        if tree.nodes[r].children.is_empty() {
            let _ = writeln!(out, "    \"{}\";", esc(&name));
        } else if !expanded[r] {
            expanded[r] = true;
            edges(tree, r, &mut expanded, &mut out);
        }
    }
    out.push_str("}\n");
    out
}

/// Depth first, iteratively: every parent/child pair, a leaf child also on its own line.
fn edges(tree: &Tree, root: usize, expanded: &mut [bool], out: &mut String) {
    let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
    while let Some((node, next)) = stack.last_mut() {
        let Some(&c) = tree.nodes[*node].children.get(*next) else {
            stack.pop();
            continue;
        };
        *next += 1;
        let parent = tree.nodes[*node].instance_name();
        let child = tree.nodes[c].instance_name();
        let _ = writeln!(out, "    \"{}\" -- \"{}\";", esc(&parent), esc(&child));
        if tree.nodes[c].children.is_empty() {
            let _ = writeln!(out, "    \"{}\";", esc(&child));
        } else if !expanded[c] {
            expanded[c] = true;
            stack.push((c, 0));
        }
    }
}

fn attributes(tree: &Tree, times: Times, out: &mut String) {
    let total: u64 = times.map_or(0, |t| {
        tree.roots
            .iter()
            .filter_map(|r| tree.nodes[*r].addr.and_then(|a| t.get(&a)))
            .map(|s| s.total_ns)
            .sum()
    });
    let shown = tree
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| tree.is_shown(*i));
    for (_, n) in shown.filter(|(_, n)| n.compile_id == 0) {
        let mut label = n.kind.clone();
        if let Some(i) = &n.instance {
            let _ = write!(label, " {i}");
        }
        let _ = write!(label, "\\n{}:{}", n.line, n.col);
        if let Some(d) = &n.detail {
            let _ = write!(label, "\\n{d}");
        }
        let stats = n.addr.and_then(|a| times.and_then(|t| t.get(&a)));
        let mut attrs = String::new();
        if let Some(s) = stats {
            let share = if total > 0 {
                s.total_ns as f64 / total as f64
            } else {
                0.0
            };
            let _ = write!(
                label,
                "\\n{} x{} ({:.0}%)",
                super::report::human_ns(s.total_ns),
                s.count,
                share * 100.0
            );
            // white to red by share of the run's time
            let _ = write!(
                attrs,
                ", style=filled, fillcolor=\"0.000 {:.3} 1.000\"",
                share.clamp(0.0, 1.0)
            );
        }
        match n.kind.as_str() {
            "fused" => attrs.push_str(", shape=box, peripheries=2"),
            "variable" | "function" => attrs.push_str(", shape=note"),
            _ => {}
        }
        let _ = writeln!(
            out,
            "    \"{}\" [label=\"{}\"{}];",
            esc(&n.instance_name()),
            esc_label(&label),
            attrs
        );
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Like [`esc`] but keeps the `\n` line breaks the label was built with.
fn esc_label(s: &str) -> String {
    s.replace('"', "\\\"")
}
