//! The tree in Newick format, as Phylanx writes it (spec 7.5).

use super::names::Tree;

/// `(<root>,...) <code-name>;` where a node with children reads `(<child>,...) <name>` and
/// a node already printed contributes nothing (so each variable appears once).
pub fn newick(tree: &Tree) -> String {
    let mut printed = vec![false; tree.nodes.len()];
    let roots: Vec<String> = tree
        .roots
        .iter()
        .filter_map(|&r| render(tree, r, &mut printed))
        .collect();
    format!("({}) {};", roots.join(","), tree.code_name)
}

/// Iterative, so a deeply nested program cannot overflow the stack.
fn render(tree: &Tree, root: usize, printed: &mut [bool]) -> Option<String> {
    if printed[root] {
        return None;
    }
    printed[root] = true;
    // (node, next child to look at, rendered children)
    let mut stack: Vec<(usize, usize, Vec<String>)> = vec![(root, 0, Vec::new())];
    loop {
        let (node, next, _) = stack.last_mut()?;
        let children = &tree.nodes[*node].children;
        if let Some(&c) = children.get(*next) {
            *next += 1;
            if !printed[c] {
                printed[c] = true;
                stack.push((c, 0, Vec::new()));
            }
            continue;
        }
        let (node, _, kids) = stack.pop()?;
        let name = tree.nodes[node].instance_name();
        let text = if kids.is_empty() {
            name
        } else {
            format!("({}) {}", kids.join(","), name)
        };
        match stack.last_mut() {
            Some((_, _, parent_kids)) => parent_kids.push(text),
            None => return Some(text),
        }
    }
}
