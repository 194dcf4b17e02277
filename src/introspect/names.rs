//! The execution tree as Phylanx shows it (spec 7.1, 7.5): one entry per node reachable from
//! the program's top-level expressions, literals omitted, with instance names
//! `/phylanx$0/<type>$<seq>[$<instance>]/<compile-id>$<line>$<column>` and display names
//! `<type>[/<instance>]/L#0(<line>, <column>)`.
//!
//! Our tree resolves variables to slots, so Phylanx's `variable` nodes (the storage a
//! `define` creates) do not exist as nodes: they are added here as entries without an
//! address, and every access to a variable links to its `variable` entry, which makes the
//! topology a DAG as in Phylanx. Reads of parameters become `access-argument` leaves.

use super::profiler::NodeRecord;
use crate::compile::tree::{CaptureFrom, FuncCode, Node, NodeKind, Program, VarRef};
use crate::syntax::span::{Source, SourceMap, Span};
use std::collections::HashMap;
use std::sync::Arc;

/// One entry of the tree.
#[derive(Clone, Debug)]
pub struct TreeNode {
    /// `__mul`, `block`, `define-variable`, `variable`, `fused`, ...
    pub kind: String,
    pub instance: Option<String>,
    pub seq: usize,
    pub compile_id: usize,
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub children: Vec<usize>,
    /// Address of the execution-tree node (`None` for a `variable` entry).
    pub addr: Option<usize>,
    /// `cat` of trace events: the primitive's family, `core` for language constructs.
    pub family: &'static str,
    /// More to show in labels: the expression of a fused node.
    pub detail: Option<String>,
}

impl TreeNode {
    /// The instance name of spec 7.1.
    pub fn instance_name(&self) -> String {
        let inst = self
            .instance
            .as_ref()
            .map(|i| format!("${i}"))
            .unwrap_or_default();
        format!(
            "/phylanx$0/{}${}{}/{}${}${}",
            self.kind, self.seq, inst, self.compile_id, self.line, self.col
        )
    }

    /// The display name of spec 7.1 (`mul/L#0(1, 21)`).
    pub fn display_name(&self) -> String {
        format!("{}/L#0({}, {})", self.short_name(), self.line, self.col)
    }

    /// Display name without the locality (`mul(1, 21)`), for trace slices.
    pub fn trace_name(&self) -> String {
        format!("{}({}, {})", self.short_name(), self.line, self.col)
    }

    fn short_name(&self) -> String {
        let kind = self.kind.strip_prefix("__").unwrap_or(&self.kind);
        match &self.instance {
            Some(i) => format!("{kind}/{i}"),
            None => kind.to_string(),
        }
    }

    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.col)
    }
}

/// The named tree of one program.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub code_name: String,
    pub nodes: Vec<TreeNode>,
    /// The top-level expressions that are not literals.
    pub roots: Vec<usize>,
    by_addr: HashMap<usize, usize>,
    seq: HashMap<String, usize>,
    /// The block around the top-level expressions that the compiler adds: it runs (and is
    /// the root of a trace) but is not part of Phylanx's tree.
    program_block: Option<usize>,
}

impl Tree {
    /// Names every node of `program` (whose sources are in `sources`); `code_name` is the
    /// name of the whole program in DOT and Newick output.
    pub fn build(program: &Program, sources: &SourceMap, code_name: &str) -> Tree {
        let mut w = Walker {
            sources,
            program,
            tree: Tree {
                code_name: code_name.to_string(),
                ..Tree::default()
            },
            vars: HashMap::new(),
            scopes: vec![Scope {
                code: &*program.main as *const FuncCode as usize,
                n_params: 0,
                upvalues: Vec::new(),
            }],
        };
        let roots: Vec<&Node> = match &program.main.body.kind {
            NodeKind::Block(stmts) => stmts.iter().collect(),
            _ => vec![&program.main.body],
        };
        for r in roots {
            if let Some(i) = w.visit(r) {
                w.tree.roots.push(i);
            }
        }
        let body = &program.main.body;
        if matches!(body.kind, NodeKind::Block(_)) {
            let i = w.add("program", None, body.span, body.span.start, None, "core");
            let addr = body as *const Node as usize;
            w.tree.nodes[i].addr = Some(addr);
            w.tree.by_addr.insert(addr, i);
            w.tree.program_block = Some(i);
        }
        w.tree
    }

    /// True for an entry of DOT, Newick and the counter table (not the program's block).
    pub fn is_shown(&self, i: usize) -> bool {
        self.program_block != Some(i)
    }

    /// The entry of an execution-tree node.
    pub fn find(&self, node_addr: usize) -> Option<&TreeNode> {
        self.by_addr.get(&node_addr).map(|&i| &self.nodes[i])
    }

    /// Adds entries for the nodes that ran but lie outside the walked tree (stdlib
    /// functions): numbered after the tree's nodes of their type, in compilation 1, ordered
    /// by source position. They are nobody's children, so DOT and Newick leave them out.
    pub fn name_others(&mut self, records: &[NodeRecord], sources: &SourceMap) {
        let mut others: Vec<&NodeRecord> = records
            .iter()
            .filter(|r| !self.by_addr.contains_key(&r.addr))
            .collect();
        others.sort_by_key(|r| (r.meta.span.start, r.meta.span.end, r.meta.kind.clone()));
        for r in others {
            let seq = self.next_seq(&r.meta.kind);
            let (file, line, col) = position(sources, r.meta.span, r.meta.span.start);
            self.by_addr.insert(r.addr, self.nodes.len());
            self.nodes.push(TreeNode {
                kind: r.meta.kind.clone(),
                instance: None,
                seq,
                compile_id: 1,
                file,
                line,
                col,
                children: Vec::new(),
                addr: Some(r.addr),
                family: r.meta.family,
                detail: None,
            });
        }
    }

    fn next_seq(&mut self, kind: &str) -> usize {
        let n = self.seq.entry(kind.to_string()).or_insert(0);
        *n += 1;
        *n - 1
    }
}

fn position(sources: &SourceMap, span: Span, offset: u32) -> (String, usize, usize) {
    match sources.find(span) {
        Some(src) => {
            let (l, c) = src.line_col(offset);
            (src.name.clone(), l, c)
        }
        None => ("<unknown>".to_string(), 0, 0),
    }
}

/// What a variable access refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum VarKey {
    Global(u32),
    /// (code, slot) of a `define`d local.
    Local(usize, u32),
    /// (code, slot) of a parameter.
    Arg(usize, u32),
}

struct Scope {
    code: usize,
    n_params: u32,
    upvalues: Vec<Option<VarKey>>,
}

struct Walker<'a> {
    sources: &'a SourceMap,
    program: &'a Program,
    tree: Tree,
    /// The `variable` (or `function`) entry of each variable defined so far.
    vars: HashMap<VarKey, usize>,
    scopes: Vec<Scope>,
}

impl Walker<'_> {
    fn scope(&self) -> &Scope {
        // the walk starts with the program's scope and pops only what it pushed
        &self.scopes[self.scopes.len() - 1]
    }

    fn key(&self, var: VarRef) -> Option<VarKey> {
        let s = self.scope();
        match var {
            VarRef::Global(i) => Some(VarKey::Global(i)),
            VarRef::Local(i) if i < s.n_params => Some(VarKey::Arg(s.code, i)),
            VarRef::Local(i) => Some(VarKey::Local(s.code, i)),
            VarRef::Upvalue(i) => s.upvalues.get(i as usize).copied().flatten(),
        }
    }

    fn source(&self, span: Span) -> Option<Arc<Source>> {
        self.sources.find(span)
    }

    /// The identifier written at `span` (a variable access), else the global's name.
    fn text(&self, span: Span) -> Option<String> {
        let src = self.source(span)?;
        let a = span.start.checked_sub(src.base)? as usize;
        let b = span.end.checked_sub(src.base)? as usize;
        src.text.get(a..b).map(str::to_string)
    }

    /// Offset and text of the name a `define(` call defines.
    fn defined_name(&self, span: Span) -> Option<(u32, String)> {
        let src = self.source(span)?;
        let a = span.start.checked_sub(src.base)? as usize;
        let rest = src.text.get(a..)?;
        let open = rest.find('(')? + 1;
        let after = &rest[open..];
        let skip = after.len() - after.trim_start().len();
        let name: String = after[skip..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        (!name.is_empty()).then(|| (span.start + (open + skip) as u32, name))
    }

    fn add(
        &mut self,
        kind: &str,
        instance: Option<String>,
        span: Span,
        at: u32,
        addr: Option<usize>,
        family: &'static str,
    ) -> usize {
        let seq = self.tree.next_seq(kind);
        let (file, line, col) = position(self.sources, span, at);
        let i = self.tree.nodes.len();
        self.tree.nodes.push(TreeNode {
            kind: kind.to_string(),
            instance,
            seq,
            compile_id: 0,
            file,
            line,
            col,
            children: Vec::new(),
            addr,
            family,
            detail: None,
        });
        if let Some(a) = addr {
            self.tree.by_addr.entry(a).or_insert(i);
        }
        i
    }

    fn add_node(&mut self, node: &Node, kind: &str, instance: Option<String>, at: u32) -> usize {
        let family = super::profiler::meta_of(node).family;
        self.add(
            kind,
            instance,
            node.span,
            at,
            Some(node as *const Node as usize),
            family,
        )
    }

    fn link(&mut self, parent: usize, child: Option<usize>) {
        if let Some(c) = child {
            self.tree.nodes[parent].children.push(c);
        }
    }

    fn visit_all<'n>(&mut self, parent: usize, nodes: impl IntoIterator<Item = &'n Node>) {
        for n in nodes {
            let c = self.visit(n);
            self.link(parent, c);
        }
    }

    /// Adds `node` and its subtree; `None` for a literal.
    fn visit(&mut self, node: &Node) -> Option<usize> {
        let at = node.span.start;
        Some(match &node.kind {
            NodeKind::Const(_) => return None,
            NodeKind::Var(var) => {
                let key = self.key(*var);
                let name = self.text(node.span).or_else(|| match var {
                    VarRef::Global(g) => self
                        .program
                        .globals
                        .names()
                        .get(*g as usize)
                        .map(|n| n.to_string()),
                    _ => None,
                });
                let kind = match key {
                    Some(VarKey::Arg(..)) => "access-argument",
                    _ => "access-variable",
                };
                let me = self.add_node(node, kind, name, at);
                let target = key.and_then(|k| self.vars.get(&k).copied());
                self.link(me, target);
                me
            }
            NodeKind::Binary { prim, lhs, rhs, .. } => {
                let me = self.add_node(node, prim.name, None, at);
                self.visit_all(me, [&**lhs, &**rhs]);
                me
            }
            NodeKind::Prim { prim, args, .. } => {
                let me = self.add_node(node, prim.name, None, at);
                self.visit_all(me, args.iter());
                me
            }
            NodeKind::Call {
                callee,
                name,
                args,
                keywords,
            } => {
                let me = self.add_node(node, "call-function", Some(name.to_string()), at);
                self.visit_all(me, std::iter::once(&**callee).chain(args.iter()));
                self.visit_all(me, keywords.iter().map(|(_, v)| v));
                me
            }
            NodeKind::If {
                cond,
                then,
                otherwise,
            } => {
                let me = self.add_node(node, "if", None, at);
                self.visit_all(me, [&**cond, &**then]);
                self.visit_all(me, otherwise.iter().map(|o| &**o));
                me
            }
            NodeKind::While { cond, body, .. } => {
                let me = self.add_node(node, "while", None, at);
                self.visit_all(me, [&**cond, &**body]);
                me
            }
            NodeKind::For {
                init,
                cond,
                step,
                body,
            } => {
                let me = self.add_node(node, "for", None, at);
                self.visit_all(me, [&**init, &**cond, &**step, &**body]);
                me
            }
            NodeKind::Block(stmts)
            | NodeKind::ParallelBlock(stmts)
            | NodeKind::RowPass { stmts, .. } => {
                let me = self.add_node(node, node.kind_name(), None, at);
                self.visit_all(me, stmts.iter());
                me
            }
            NodeKind::Define {
                target,
                value,
                is_function,
            } => {
                let (name_at, name) = match self.defined_name(node.span) {
                    Some((o, n)) => (o, Some(n)),
                    None => (at, None),
                };
                let me = self.add_node(node, "define-variable", name.clone(), name_at);
                let key = self.key(*target);
                match (&value.kind, is_function) {
                    (NodeKind::Lambda { code, captures }, true) => {
                        // the function exists before its body runs, so it can call itself
                        let f = self.add_node(value, "function", name, name_at);
                        self.link(me, Some(f));
                        if let Some(k) = key {
                            self.vars.insert(k, f);
                        }
                        self.function_body(f, code, captures);
                    }
                    _ => {
                        // `define(x, x + 1)` reads an outer `x`: bind after the value
                        let v = self.add("variable", name, node.span, name_at, None, "core");
                        self.link(me, Some(v));
                        let c = self.visit(value);
                        self.link(v, c);
                        if let Some(k) = key {
                            self.vars.insert(k, v);
                        }
                    }
                }
                me
            }
            NodeKind::Store { target, value, .. } => {
                let me = self.add_node(node, "store", None, at);
                let var = self.key(*target).and_then(|k| self.vars.get(&k).copied());
                self.link(me, var);
                self.visit_all(me, [&**value]);
                me
            }
            NodeKind::StoreSlice {
                target,
                indices,
                value,
                ..
            } => {
                let me = self.add_node(node, "store", None, at);
                let var = self.key(*target).and_then(|k| self.vars.get(&k).copied());
                self.link(me, var);
                self.visit_all(me, indices.iter().chain([&**value]));
                me
            }
            NodeKind::Lambda { code, captures } => {
                let me = self.add_node(node, "lambda", None, at);
                self.function_body(me, code, captures);
                me
            }
            NodeKind::Timer { expr, done } => {
                let me = self.add_node(node, "timer", None, at);
                self.visit_all(me, [&**expr, &**done]);
                me
            }
            NodeKind::Fused { fused, leaves } => {
                let me = self.add_node(node, "fused", None, at);
                if let Some(n) = self.tree.nodes.get_mut(me) {
                    n.detail = Some(fused.describe());
                }
                self.visit_all(me, leaves.iter());
                me
            }
        })
    }

    fn function_body(&mut self, parent: usize, code: &Arc<FuncCode>, captures: &[CaptureFrom]) {
        let outer = self.scope();
        let upvalues = captures
            .iter()
            .map(|c| match *c {
                CaptureFrom::Local(i) if i < outer.n_params => Some(VarKey::Arg(outer.code, i)),
                CaptureFrom::Local(i) => Some(VarKey::Local(outer.code, i)),
                CaptureFrom::Upvalue(i) => outer.upvalues.get(i as usize).copied().flatten(),
            })
            .collect();
        self.scopes.push(Scope {
            code: &**code as *const FuncCode as usize,
            n_params: code.params.len() as u32,
            upvalues,
        });
        let defaults = code.params.iter().filter_map(|p| p.default.as_ref());
        self.visit_all(parent, defaults.chain([&code.body]));
        self.scopes.pop();
    }
}
