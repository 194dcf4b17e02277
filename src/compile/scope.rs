//! Compile-time scopes: which names are visible and where each one lives.

use super::tree::CaptureFrom;
use crate::diagnostics::{Error, Result};
use crate::syntax::ast::{Expr, ExprKind};
use std::collections::HashMap;
use std::sync::Arc;

/// What the compiler knows about a name bound by a function definition, for arity checks
/// before the program runs.
#[derive(Debug)]
pub struct FnInfo {
    pub name: String,
    pub params: Vec<String>,
    /// Parameters without a default.
    pub min_args: usize,
}

impl FnInfo {
    /// Reads the parameter list of `define(name, p1, ..., body)` / `lambda(p1, ..., body)`.
    pub fn from_params(name: &str, params: &[Expr]) -> Result<FnInfo> {
        let mut names: Vec<String> = Vec::with_capacity(params.len());
        let mut min_args = 0;
        let mut seen_default = false;
        for p in params {
            let (pname, has_default) = match &p.kind {
                ExprKind::Ident(id) => (id.name.clone(), false),
                ExprKind::Call(c) if c.callee.name == "__arg" => match c.args.as_slice() {
                    [Expr {
                        kind: ExprKind::Ident(id),
                        ..
                    }, _] => (id.name.clone(), true),
                    _ => {
                        return Err(Error::arity(
                            "a defaulted parameter is written __arg(name, default)",
                        )
                        .with_label(p.span, "malformed parameter"))
                    }
                },
                _ => {
                    return Err(Error::type_error(format!(
                        "parameters of `{name}` must be names or __arg(name, default)"
                    ))
                    .with_label(p.span, "not a parameter name"))
                }
            };
            if has_default {
                seen_default = true;
            } else if seen_default {
                return Err(Error::arity(format!(
                    "parameter `{pname}` of `{name}` has no default but follows one that has"
                ))
                .with_label(p.span, "needs a default")
                .with_help("once a parameter has a default, all later ones need one (spec 2.4)"));
            } else {
                min_args += 1;
            }
            if names.contains(&pname) {
                return Err(Error::name(format!("parameter `{pname}` appears twice"))
                    .with_label(p.span, "duplicate"));
            }
            names.push(pname);
        }
        Ok(FnInfo {
            name: name.to_string(),
            params: names,
            min_args,
        })
    }

    pub fn arity_text(&self) -> String {
        if self.min_args == self.params.len() {
            format!("{}", self.min_args)
        } else {
            format!("{} to {}", self.min_args, self.params.len())
        }
    }
}

/// A name's binding as the compiler sees it.
#[derive(Clone, Debug)]
pub struct Binding {
    pub slot: u32,
    pub is_param: bool,
    pub func: Option<Arc<FnInfo>>,
}

impl Binding {
    pub fn global(i: u32, func: Option<Arc<FnInfo>>) -> Binding {
        Binding {
            slot: i,
            is_param: false,
            func,
        }
    }
}

/// The global scope of a program or REPL session. Indices never change once given out.
#[derive(Clone, Debug)]
pub struct GlobalScope {
    names: Vec<Box<str>>,
    index: HashMap<Box<str>, (u32, Option<Arc<FnInfo>>)>,
}

impl Default for GlobalScope {
    fn default() -> Self {
        GlobalScope::new()
    }
}

impl GlobalScope {
    /// A scope holding only `sys_argv` (global 0).
    pub fn new() -> GlobalScope {
        let mut g = GlobalScope {
            names: Vec::new(),
            index: HashMap::new(),
        };
        g.define("sys_argv", None);
        g
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn names(&self) -> &[Box<str>] {
        &self.names
    }

    pub fn lookup(&self, name: &str) -> Option<(u32, Option<Arc<FnInfo>>)> {
        self.index.get(name).cloned()
    }

    /// Defines (or redefines, keeping the index) a global.
    pub fn define(&mut self, name: &str, info: Option<Arc<FnInfo>>) -> u32 {
        if let Some(entry) = self.index.get_mut(name) {
            entry.1 = info;
            return entry.0;
        }
        let i = self.names.len() as u32;
        self.names.push(name.into());
        self.index.insert(name.into(), (i, info));
        i
    }
}

/// The compile-time state of one function (or of the program's top level).
pub struct FnState {
    /// Block scopes, innermost last. For the program, scope 0 stands for the globals.
    scopes: Vec<HashMap<String, Binding>>,
    pub n_slots: u32,
    n_params: u32,
    /// Per slot: captured by an inner closure.
    captured: Vec<bool>,
    upvalues: Vec<(String, CaptureFrom, Binding)>,
    is_program: bool,
}

impl FnState {
    pub fn new(is_program: bool, n_params: u32) -> FnState {
        FnState {
            scopes: vec![HashMap::new()],
            n_slots: 0,
            n_params,
            captured: Vec::new(),
            upvalues: Vec::new(),
            is_program,
        }
    }

    /// True at the program's top level outside any block: definitions there are globals.
    pub fn at_global_scope(&self) -> bool {
        self.is_program && self.scopes.len() == 1
    }

    pub fn push_scope(&mut self) {
        self.scopes.push(HashMap::new());
    }

    pub fn pop_scope(&mut self) {
        if self.scopes.len() > 1 {
            self.scopes.pop();
        }
    }

    fn new_slot(&mut self) -> u32 {
        let s = self.n_slots;
        self.n_slots += 1;
        self.captured.push(false);
        s
    }

    pub fn define_param(&mut self, name: &str) {
        let slot = self.new_slot();
        self.scopes[0].insert(
            name.to_string(),
            Binding {
                slot,
                is_param: true,
                func: None,
            },
        );
    }

    /// Binds a local in the innermost scope; redefining a name of the same scope reuses its
    /// slot (spec 2.2: it simply rebinds).
    pub fn define(&mut self, name: &str, func: Option<Arc<FnInfo>>) -> u32 {
        if let Some(b) = self.scopes.last_mut().and_then(|s| s.get_mut(name)) {
            if !b.is_param {
                b.func = func;
                return b.slot;
            }
        }
        let slot = self.new_slot();
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(
                name.to_string(),
                Binding {
                    slot,
                    is_param: false,
                    func,
                },
            );
        }
        slot
    }

    pub fn lookup_local(&self, name: &str) -> Option<Binding> {
        let skip = usize::from(self.is_program);
        self.scopes
            .iter()
            .skip(skip)
            .rev()
            .find_map(|s| s.get(name).cloned())
    }

    pub fn lookup_upvalue(&self, name: &str) -> Option<(u32, Binding)> {
        self.upvalues
            .iter()
            .position(|(n, _, _)| n == name)
            .map(|i| (i as u32, self.upvalues[i].2.clone()))
    }

    pub fn add_upvalue(&mut self, name: &str, from: CaptureFrom, binding: Binding) -> u32 {
        self.upvalues.push((name.to_string(), from, binding));
        (self.upvalues.len() - 1) as u32
    }

    pub fn mark_captured(&mut self, slot: u32) {
        if let Some(c) = self.captured.get_mut(slot as usize) {
            *c = true;
        }
    }

    /// Slots that must hold shared cells: captured locals (captured parameters are copied).
    pub fn cell_slots(&self) -> Box<[bool]> {
        self.captured
            .iter()
            .enumerate()
            .map(|(i, &c)| c && i as u32 >= self.n_params)
            .collect()
    }

    pub fn capture_sources(&self) -> Vec<CaptureFrom> {
        self.upvalues.iter().map(|(_, from, _)| *from).collect()
    }

    pub fn names(&self) -> Vec<String> {
        self.scopes
            .iter()
            .flat_map(|s| s.keys().cloned())
            .chain(self.upvalues.iter().map(|(n, _, _)| n.clone()))
            .collect()
    }
}
