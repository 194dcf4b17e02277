//! The compiler: AST → execution tree. Resolves every name to a slot (see the model in
//! [`tree`]), expands the special forms, maps operators to primitives, and checks arities and
//! keywords against the primitive table — all before anything runs (spec 2.1).

pub mod fuse;
pub mod rowpass;
mod scope;
pub mod tree;

use crate::diagnostics::{did_you_mean, Error, Result};
use crate::primitives::{self, registry, Eval, Primitive};
use crate::syntax::ast::{ArrayData, ArrayLit, Call, Expr, ExprKind, Ident, UnaryOp};
use crate::syntax::span::Span;
use crate::value::{check_shape, Array, DType, Value};
use ndarray::{ArrayD, IxDyn};
pub use scope::GlobalScope;
use scope::{Binding, FnInfo, FnState};
use std::sync::Arc;
use tree::{CaptureFrom, FuncCode, Node, NodeKind, ParamCode, Program, VarRef};

/// Names that cannot be defined (spec 1.2).
pub const RESERVED: &[&str] = &[
    "define",
    "define_global",
    "lambda",
    "block",
    "parallel_block",
    "if",
    "while",
    "for",
    "for_each",
    "store",
    "apply",
    "list",
    "make_list",
    "true",
    "false",
    "nil",
];

/// The predefined constants of spec 1.5.
pub fn constant(name: &str) -> Option<Value> {
    Some(match name {
        "nil" => Value::Nil,
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "inf" => Value::Float(f64::INFINITY),
        "ninf" => Value::Float(f64::NEG_INFINITY),
        "nan" => Value::Float(f64::NAN),
        "PZERO" => Value::Float(0.0),
        "NZERO" => Value::Float(-0.0),
        "pi" => Value::Float(std::f64::consts::PI),
        "euler" => Value::Float(std::f64::consts::E),
        "euler_gamma" => Value::Float(0.577_215_664_901_532_9),
        "int" => Value::str("int64"),
        "float" => Value::str("float64"),
        "bool" => Value::str("bool"),
        _ => return None,
    })
}

const CONSTANT_NAMES: &[&str] = &[
    "nil",
    "true",
    "false",
    "inf",
    "ninf",
    "nan",
    "PZERO",
    "NZERO",
    "pi",
    "euler",
    "euler_gamma",
    "int",
    "float",
    "bool",
];

/// Compiles a parsed program against `globals` (which it may extend: new top-level names
/// become new globals, as the REPL needs).
pub fn compile_program(exprs: &[Expr], globals: &mut GlobalScope) -> Result<Program> {
    let first_new_global = globals.len();
    let span = match (exprs.first(), exprs.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => Span::DUMMY,
    };
    let mut c = Compiler {
        globals,
        fns: vec![FnState::new(true, 0)],
        fn_names: vec!["the program".to_string()],
        locals_seen: Vec::new(),
    };
    let mut body: Vec<Node> = exprs.iter().map(|e| c.expr(e)).collect::<Result<_>>()?;
    body.iter_mut().for_each(fuse::fuse);
    body.iter_mut().for_each(rowpass::rewrite);
    let state = c
        .fns
        .pop()
        .ok_or_else(|| Error::internal("compiler lost its frame"))?;
    let main = FuncCode {
        name: "<main>".into(),
        params: Box::new([]),
        n_slots: state.n_slots,
        cell_slots: state.cell_slots(),
        body: Node::new(NodeKind::Block(body.into_boxed_slice()), span),
        span,
        scalar: Default::default(),
    };
    Ok(Program {
        main: Arc::new(main),
        globals: c.globals.clone(),
        first_new_global,
    })
}

/// Positional arguments and `__arg(name, value)` keywords of a call.
type SplitArgs<'e> = (Vec<&'e Expr>, Vec<(&'e Ident, &'e Expr)>);

struct Compiler<'g> {
    globals: &'g mut GlobalScope,
    /// The functions being compiled, outermost (the program) first.
    fns: Vec<FnState>,
    /// Names of the functions being compiled, parallel to `fns`.
    fn_names: Vec<String>,
    /// Every local definition seen so far (name, span, defining function), to explain a
    /// name used outside its scope.
    locals_seen: Vec<(String, Span, String)>,
}

/// The value of an array literal.
pub fn array_literal(lit: &ArrayLit) -> Result<Value> {
    let dtype = match lit.data {
        ArrayData::Bool(_) => DType::Bool,
        ArrayData::Int(_) => DType::Int,
        ArrayData::Float(_) => DType::Float,
    };
    check_shape(&lit.shape, dtype)?;
    let shape = IxDyn(&lit.shape);
    let bad = |_| Error::internal("array literal data does not match its shape");
    let array = match &lit.data {
        ArrayData::Bool(v) => {
            Array::from_bool(ArrayD::from_shape_vec(shape, v.clone()).map_err(bad)?)
        }
        ArrayData::Int(v) => {
            Array::from_int(ArrayD::from_shape_vec(shape, v.clone()).map_err(bad)?)
        }
        ArrayData::Float(v) => {
            Array::from_float(ArrayD::from_shape_vec(shape, v.clone()).map_err(bad)?)
        }
    };
    Ok(Value::from_array(array))
}

impl Compiler<'_> {
    fn current(&mut self) -> &mut FnState {
        self.fns
            .last_mut()
            .expect("the program frame is always there")
    }

    // ---------------------------------------------------------------- names

    /// Resolves a variable name visible from the current function.
    fn resolve(&mut self, name: &str) -> Option<(VarRef, Binding)> {
        let k = self.fns.len() - 1;
        self.resolve_in(k, name)
    }

    fn resolve_in(&mut self, k: usize, name: &str) -> Option<(VarRef, Binding)> {
        if let Some(b) = self.fns[k].lookup_local(name) {
            return Some((VarRef::Local(b.slot), b));
        }
        if k == 0 {
            return self
                .globals
                .lookup(name)
                .map(|(i, info)| (VarRef::Global(i), Binding::global(i, info)));
        }
        if let Some((i, b)) = self.fns[k].lookup_upvalue(name) {
            return Some((VarRef::Upvalue(i), b));
        }
        let (outer, binding) = self.resolve_in(k - 1, name)?;
        let from = match outer {
            VarRef::Global(_) => return Some((outer, binding)),
            VarRef::Local(slot) => {
                self.fns[k - 1].mark_captured(slot);
                CaptureFrom::Local(slot)
            }
            VarRef::Upvalue(i) => CaptureFrom::Upvalue(i),
        };
        let i = self.fns[k].add_upvalue(name, from, binding.clone());
        Some((VarRef::Upvalue(i), binding))
    }

    /// Every name visible here, for did-you-mean.
    fn visible_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.fns.iter().flat_map(|f| f.names()).collect();
        names.extend(self.globals.names().iter().map(|n| n.to_string()));
        names.extend(CONSTANT_NAMES.iter().map(|s| s.to_string()));
        names.extend(registry::names().iter().map(|s| s.to_string()));
        names
    }

    fn unknown_name(&self, ident: &Ident, what: &str) -> Error {
        if let Some((_, def, owner)) = self
            .locals_seen
            .iter()
            .rev()
            .find(|(n, _, _)| *n == ident.name)
        {
            let owner = if owner == "the program" {
                "a block".to_string()
            } else {
                format!("`{owner}`")
            };
            return Error::new(
                crate::diagnostics::ErrorKind::Scope,
                format!("`{}` is not visible here: it is local to {owner}", ident.name),
            )
            .with_label(ident.span, "used outside its scope")
            .with_label(*def, "defined here")
            .with_help("a define is visible to the end of its enclosing block or function (spec 2.2); return the value, or define it further out");
        }
        let names = self.visible_names();
        let hint = did_you_mean(&ident.name, names.iter().map(String::as_str));
        let err = Error::name(format!("{what} `{}` is not defined", ident.name))
            .with_label(ident.span, "not found in this scope");
        match hint {
            Some(h) => err.with_help(format!("did you mean `{h}`?")),
            None => err.with_help("names must be defined before they are used (spec 2.2)"),
        }
    }

    /// Binds `name` for a definition in the current scope and returns where it lives.
    fn bind(&mut self, ident: &Ident, global: bool, info: Option<Arc<FnInfo>>) -> Result<VarRef> {
        if RESERVED.contains(&ident.name.as_str()) {
            return Err(Error::new(
                crate::diagnostics::ErrorKind::Reserved,
                format!("`{}` is reserved and cannot be defined", ident.name),
            )
            .with_label(ident.span, "reserved name")
            .with_help("special forms and the constants true, false, nil cannot be redefined"));
        }
        let at_top = self.fns.len() == 1 && self.fns[0].at_global_scope();
        if global || at_top {
            Ok(VarRef::Global(self.globals.define(&ident.name, info)))
        } else {
            let owner = self.fn_names.last().cloned().unwrap_or_default();
            self.locals_seen
                .push((ident.name.clone(), ident.span, owner));
            Ok(VarRef::Local(self.current().define(&ident.name, info)))
        }
    }

    // ---------------------------------------------------------------- expressions

    fn expr(&mut self, e: &Expr) -> Result<Node> {
        let span = e.span;
        Ok(match &e.kind {
            ExprKind::Int(i) => Node::constant(Value::Int(*i), span),
            ExprKind::Float(f) => Node::constant(Value::Float(*f), span),
            ExprKind::Str(s) => Node::constant(Value::str(s), span),
            ExprKind::Array(lit) => Node::constant(
                array_literal(lit).map_err(|err| err.locate(span, |_| None))?,
                span,
            ),
            ExprKind::Ident(ident) => self.ident(ident)?,
            ExprKind::QuotedList(items) => {
                let prim = self.primitive("list", span)?;
                let args = items
                    .iter()
                    .map(|a| self.expr(a))
                    .collect::<Result<Vec<_>>>()?;
                Node::new(
                    NodeKind::Prim {
                        prim,
                        args: args.into_boxed_slice(),
                        dtype: None,
                    },
                    span,
                )
            }
            ExprKind::Unary { op, operand } => {
                let inner = self.expr(operand)?;
                let name = match op {
                    UnaryOp::Plus => return Ok(inner),
                    UnaryOp::Neg => "__minus",
                    UnaryOp::Not => "__not",
                };
                let prim = self.primitive(name, span)?;
                Node::new(
                    NodeKind::Prim {
                        prim,
                        args: Box::new([inner]),
                        dtype: None,
                    },
                    span,
                )
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let prim = self.primitive(op.primitive(), span)?;
                let (lhs, rhs) = (self.expr(lhs)?, self.expr(rhs)?);
                binary_node(prim, lhs, rhs, span)
            }
            ExprKind::Call(call) => self.call(call, span)?,
        })
    }

    /// A primitive that operators compile to.
    fn primitive(&self, name: &str, span: Span) -> Result<&'static Primitive> {
        registry::lookup(name).map(|f| f.prim).ok_or_else(|| {
            Error::internal(format!("the primitive `{name}` is missing from the table"))
                .with_label(span, "needs it")
        })
    }

    fn ident(&mut self, ident: &Ident) -> Result<Node> {
        let span = ident.span;
        if let Some((var, _)) = self.resolve(&ident.name) {
            return Ok(Node::new(NodeKind::Var(var), span));
        }
        if let Some(v) = constant(&ident.name) {
            return Ok(Node::constant(v, span));
        }
        if let Some(found) = registry::lookup(&ident.name) {
            if found.prim.is_special() {
                return Err(Error::name(format!(
                    "`{}` is a special form, not a value",
                    ident.name
                ))
                .with_label(span, "used as a value")
                .with_help(format!("call it: `{}(...)`", ident.name)));
            }
            return Ok(Node::constant(
                primitives::primitive_value(found.prim),
                span,
            ));
        }
        if ident.name == "__arg" {
            return Err(
                Error::name("`__arg` is only allowed as an argument of a call")
                    .with_label(span, "here"),
            );
        }
        Err(self.unknown_name(ident, "name"))
    }

    fn call(&mut self, call: &Call, span: Span) -> Result<Node> {
        let name = call.callee.name.as_str();
        if let Some((var, binding)) = self.resolve(name) {
            return self.user_call(call, var, binding, span);
        }
        if constant(name).is_some() {
            return Err(
                Error::type_error(format!("`{name}` is a constant, not a function"))
                    .with_label(call.callee.span, "not callable"),
            );
        }
        match name {
            "define" => return self.define(call, span, false),
            "define_global" => return self.define(call, span, true),
            "lambda" => {
                if call.args.is_empty() {
                    return Err(arity_error("lambda", "at least 1", 0, span));
                }
                let (params, body) = call.args.split_at(call.args.len() - 1);
                return self.lambda("lambda", params, &body[0], span);
            }
            "block" => {
                self.current().push_scope();
                let stmts = self.exprs(&call.args);
                self.current().pop_scope();
                return Ok(Node::new(NodeKind::Block(stmts?.into_boxed_slice()), span));
            }
            "parallel_block" => return self.parallel_block(call, span),
            "async" => return self.async_call(call, span),
            "if" => {
                check_count("if", &call.args, 2, 3, span)?;
                self.current().push_scope();
                let parts = self.exprs(&call.args);
                self.current().pop_scope();
                let mut parts = parts?.into_iter();
                let (cond, then) = (next_node(&mut parts)?, next_node(&mut parts)?);
                return Ok(Node::new(
                    NodeKind::If {
                        cond: Box::new(cond),
                        then: Box::new(then),
                        otherwise: parts.next().map(Box::new),
                    },
                    span,
                ));
            }
            "while" => {
                check_count("while", &call.args, 2, 2, span)?;
                self.current().push_scope();
                let parts = self.exprs(&call.args);
                self.current().pop_scope();
                let mut parts = parts?.into_iter();
                let (cond, body) = (next_node(&mut parts)?, next_node(&mut parts)?);
                return Ok(Node::new(
                    NodeKind::While {
                        cond: Box::new(cond),
                        body: Box::new(body),
                        scalar: Default::default(),
                    },
                    span,
                ));
            }
            "for" => {
                check_count("for", &call.args, 4, 4, span)?;
                self.current().push_scope();
                let parts = self.exprs(&call.args);
                self.current().pop_scope();
                let mut parts = parts?.into_iter();
                let init = next_node(&mut parts)?;
                let cond = next_node(&mut parts)?;
                let step = next_node(&mut parts)?;
                let body = next_node(&mut parts)?;
                return Ok(Node::new(
                    NodeKind::For {
                        init: Box::new(init),
                        cond: Box::new(cond),
                        step: Box::new(step),
                        body: Box::new(body),
                    },
                    span,
                ));
            }
            "store" => return self.store(call, span),
            "timer" => {
                check_count("timer", &call.args, 2, 2, span)?;
                let expr = self.expr(&call.args[0])?;
                let done = self.expr(&call.args[1])?;
                return Ok(Node::new(
                    NodeKind::Timer {
                        expr: Box::new(expr),
                        done: Box::new(done),
                    },
                    span,
                ));
            }
            "__arg" => {
                return Err(
                    Error::name("`__arg` is only allowed as an argument of a call")
                        .with_label(call.callee.span, "here")
                        .with_help("write keyword arguments as f(x, __arg(name, value))"),
                )
            }
            _ => {}
        }
        match registry::lookup(name) {
            Some(found) => self.primitive_call(call, found, span),
            None => Err(self.unknown_name(&call.callee, "function")),
        }
    }

    fn exprs(&mut self, es: &[Expr]) -> Result<Vec<Node>> {
        es.iter().map(|e| self.expr(e)).collect()
    }

    /// Splits call arguments into positional ones and `__arg(name, value)` keywords.
    fn split_args<'e>(&self, call: &'e Call) -> Result<SplitArgs<'e>> {
        let mut positional = Vec::new();
        let mut keywords: Vec<(&Ident, &Expr)> = Vec::new();
        for arg in &call.args {
            match keyword_of(arg)? {
                Some((name, value)) => {
                    if keywords.iter().any(|(n, _)| n.name == name.name) {
                        return Err(Error::arity(format!(
                            "keyword argument `{}` is given twice",
                            name.name
                        ))
                        .with_label(name.span, "repeated"));
                    }
                    keywords.push((name, value));
                }
                None => {
                    if let Some((k, _)) = keywords.first() {
                        return Err(Error::arity(
                            "a positional argument follows a keyword argument",
                        )
                        .with_label(arg.span, "positional")
                        .with_label(k.span, "keyword given before it")
                        .with_help("put keyword arguments `__arg(name, value)` last"));
                    }
                    positional.push(arg);
                }
            }
        }
        Ok((positional, keywords))
    }

    fn primitive_call(&mut self, call: &Call, found: registry::Found, span: Span) -> Result<Node> {
        let prim = found.prim;
        if !matches!(prim.eval, Eval::Fn(_)) {
            return Err(Error::internal(format!(
                "special form `{}` has no compiler case",
                prim.name
            ))
            .with_label(span, "here"));
        }
        if let Some(node) = self.shuffle_in_place(call, prim, span)? {
            return Ok(node);
        }
        let sig = prim.sig();
        let (positional, keywords) = self.split_args(call)?;
        let n_fixed = sig.params.len();
        let mut slots: Vec<Option<&Expr>> = vec![None; n_fixed];
        let mut extra = Vec::new();
        for (i, arg) in positional.iter().enumerate() {
            if i < n_fixed {
                slots[i] = Some(arg);
            } else if sig.rest.is_some() {
                extra.push(*arg);
            } else {
                return Err(
                    arity_error(prim.name, &sig.arity_text(), positional.len(), span)
                        .with_label(arg.span, "unexpected argument")
                        .with_help(format!("signature: {}", prim.signature)),
                );
            }
        }
        for (name, value) in keywords {
            let Some(pos) = sig.position(&name.name) else {
                let names: Vec<&str> = sig.params.iter().map(|p| p.name).collect();
                let hint = did_you_mean(&name.name, names.iter().copied());
                return Err(Error::arity(format!(
                    "{} has no parameter named `{}`",
                    prim.name, name.name
                ))
                .with_label(name.span, "unknown keyword")
                .with_help(match hint {
                    Some(h) => format!("did you mean `{h}`? signature: {}", prim.signature),
                    None => format!("signature: {}", prim.signature),
                }));
            };
            if slots[pos].is_some() {
                return Err(Error::arity(format!(
                    "{}: parameter `{}` is given both by position and by keyword",
                    prim.name, name.name
                ))
                .with_label(name.span, "repeated"));
            }
            slots[pos] = Some(value);
        }
        let mut args = Vec::with_capacity(n_fixed + extra.len());
        for (i, slot) in slots.into_iter().enumerate() {
            match slot {
                Some(e) => args.push(self.expr(e)?),
                None => match &sig.params[i].default {
                    Some(d) => args.push(Node::constant(d.clone(), Span::DUMMY)),
                    None => {
                        return Err(arity_error(
                            prim.name,
                            &sig.arity_text(),
                            positional.len(),
                            span,
                        )
                        .with_help(format!(
                            "missing `{}`; signature: {}",
                            sig.params[i].name, prim.signature
                        )))
                    }
                },
            }
        }
        for e in extra {
            args.push(self.expr(e)?);
        }
        let default_rest = args
            .iter()
            .skip(2)
            .all(|a| matches!(&a.kind, NodeKind::Const(Value::Bool(false)) if a.span.is_dummy()));
        if found.dtype.is_none()
            && default_rest
            && args.len() >= 2
            && tree::FastOp::of(prim.name).is_some()
        {
            let mut it = args.into_iter();
            if let (Some(lhs), Some(rhs)) = (it.next(), it.next()) {
                return Ok(binary_node(prim, lhs, rhs, span));
            }
            return Err(Error::internal("operands counted above"));
        }
        Ok(Node::new(
            NodeKind::Prim {
                prim,
                args: args.into_boxed_slice(),
                dtype: found.dtype,
            },
            span,
        ))
    }

    /// `shuffle(v)` on a variable or parameter permutes it in place (spec 4.8): it compiles
    /// to `block(store(v, shuffle(v)), v)`.
    fn shuffle_in_place(
        &mut self,
        call: &Call,
        prim: &'static Primitive,
        span: Span,
    ) -> Result<Option<Node>> {
        let [Expr {
            kind: ExprKind::Ident(ident),
            span: arg_span,
        }] = call.args.as_slice()
        else {
            return Ok(None);
        };
        if prim.name != "shuffle" {
            return Ok(None);
        }
        let Some((var, binding)) = self.resolve(&ident.name) else {
            return Ok(None);
        };
        if matches!(var, VarRef::Upvalue(_)) && binding.is_param {
            return Ok(None); // a captured parameter is a copy: nothing to update
        }
        let read = || Node::new(NodeKind::Var(var), *arg_span);
        let shuffled = Node::new(
            NodeKind::Prim {
                prim,
                args: Box::new([read()]),
                dtype: None,
            },
            span,
        );
        let store = Node::new(
            NodeKind::Store {
                target: var,
                name: ident.name.as_str().into(),
                value: Box::new(shuffled),
            },
            span,
        );
        Ok(Some(Node::new(
            NodeKind::Block(Box::new([store, read()])),
            span,
        )))
    }

    fn user_call(
        &mut self,
        call: &Call,
        var: VarRef,
        binding: Binding,
        span: Span,
    ) -> Result<Node> {
        let (positional, keywords) = self.split_args(call)?;
        if let Some(info) = &binding.func {
            check_user_arity(info, positional.len(), &keywords, span)?;
        }
        let args = positional
            .iter()
            .map(|a| self.expr(a))
            .collect::<Result<Vec<_>>>()?;
        let keywords = keywords
            .iter()
            .map(|(n, v)| Ok((Box::<str>::from(n.name.as_str()), self.expr(v)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Node::new(
            NodeKind::Call {
                callee: Box::new(Node::new(NodeKind::Var(var), call.callee.span)),
                name: call.callee.name.as_str().into(),
                args: args.into_boxed_slice(),
                keywords: keywords.into_boxed_slice(),
            },
            span,
        ))
    }

    // ---------------------------------------------------------------- special forms

    fn define(&mut self, call: &Call, span: Span, global: bool) -> Result<Node> {
        let form = if global { "define_global" } else { "define" };
        let Some((first, rest)) = call.args.split_first() else {
            return Err(arity_error(form, "at least 2", 0, span));
        };
        let ExprKind::Ident(name) = &first.kind else {
            return Err(
                Error::type_error(format!("{form}: the first argument must be a name"))
                    .with_label(first.span, "not a name"),
            );
        };
        let Some((body, params)) = rest.split_last() else {
            return Err(arity_error(form, "at least 2", 1, span)
                .with_help(format!("write {form}({}, value)", name.name)));
        };
        // `define(f, lambda(...))` names the function `f` and lets it recurse.
        let lambda_body = match &body.kind {
            ExprKind::Call(c)
                if params.is_empty()
                    && c.callee.name == "lambda"
                    && !c.args.is_empty()
                    && self.resolve("lambda").is_none() =>
            {
                Some(c)
            }
            _ => None,
        };
        if params.is_empty() && lambda_body.is_none() {
            // A variable: the value is compiled before the name is bound, so
            // `define(x, x + 1)` reads an outer `x`.
            let value = self.expr(body)?;
            let target = self.bind(name, global, None)?;
            return Ok(Node::new(
                NodeKind::Define {
                    target,
                    value: Box::new(value),
                    is_function: false,
                },
                span,
            ));
        }
        let (params, body, fspan) = match lambda_body {
            Some(c) => {
                let (p, b) = c.args.split_at(c.args.len() - 1);
                (p, &b[0], body.span)
            }
            None => (params, body, span),
        };
        let info = Arc::new(FnInfo::from_params(&name.name, params)?);
        let target = self.bind(name, global, Some(info))?;
        let value = self.lambda(&name.name, params, body, fspan)?;
        Ok(Node::new(
            NodeKind::Define {
                target,
                value: Box::new(value),
                is_function: true,
            },
            span,
        ))
    }

    /// Compiles a function: parameters, defaults, body; returns the `Lambda` node that
    /// creates the closure.
    fn lambda(&mut self, name: &str, params: &[Expr], body: &Expr, span: Span) -> Result<Node> {
        let info = FnInfo::from_params(name, params)?;
        let mut state = FnState::new(false, params.len() as u32);
        for p in &info.params {
            if RESERVED.contains(&p.as_str()) {
                return Err(Error::new(
                    crate::diagnostics::ErrorKind::Reserved,
                    format!("`{p}` is reserved and cannot be a parameter"),
                )
                .with_label(span, "in this function"));
            }
            state.define_param(p);
        }
        self.fns.push(state);
        self.fn_names.push(name.to_string());
        let result = (|| {
            let mut param_code = Vec::with_capacity(params.len());
            for (p, pname) in params.iter().zip(&info.params) {
                let default = match keyword_of(p)? {
                    Some((_, d)) => {
                        let mut d = self.expr(d)?;
                        fuse::fuse(&mut d);
                        Some(d)
                    }
                    None => None,
                };
                param_code.push(ParamCode {
                    name: pname.as_str().into(),
                    default,
                });
            }
            let mut body = self.expr(body)?;
            fuse::fuse(&mut body);
            rowpass::rewrite(&mut body);
            Ok((param_code, body))
        })();
        self.fn_names.pop();
        let state = self
            .fns
            .pop()
            .ok_or_else(|| Error::internal("compiler lost a frame"))?;
        let (param_code, body) = result?;
        let code = FuncCode {
            name: name.into(),
            params: param_code.into_boxed_slice(),
            n_slots: state.n_slots,
            cell_slots: state.cell_slots(),
            body,
            span,
            scalar: Default::default(),
        };
        Ok(Node::new(
            NodeKind::Lambda {
                code: Arc::new(code),
                captures: state.capture_sources().into_boxed_slice(),
            },
            span,
        ))
    }

    fn store(&mut self, call: &Call, span: Span) -> Result<Node> {
        check_count("store", &call.args, 2, 2, span)?;
        let (target, value) = (&call.args[0], &call.args[1]);
        match &target.kind {
            ExprKind::Ident(ident) => {
                let var = self.assignable(ident, false)?;
                let value = self.expr(value)?;
                Ok(Node::new(
                    NodeKind::Store {
                        target: var,
                        name: ident.name.as_str().into(),
                        value: Box::new(value),
                    },
                    span,
                ))
            }
            ExprKind::Call(c) if c.callee.name == "slice" && self.resolve("slice").is_none() => {
                // merge slice(slice(v, a), b) into slice(v, a, b)
                let mut indices: Vec<&Expr> = Vec::new();
                let mut inner = c;
                loop {
                    let Some((base, idx)) = inner.args.split_first() else {
                        return Err(arity_error("slice", "at least 2", 0, target.span));
                    };
                    for i in idx.iter().rev() {
                        indices.insert(0, i);
                    }
                    match &base.kind {
                        ExprKind::Ident(ident) => {
                            if indices.is_empty() {
                                return Err(arity_error("slice", "at least 2", 1, target.span));
                            }
                            let var = self.assignable(ident, true)?;
                            let idx_nodes = indices
                                .iter()
                                .map(|e| self.expr(e))
                                .collect::<Result<Vec<_>>>()?;
                            let value = self.expr(value)?;
                            return Ok(Node::new(
                                NodeKind::StoreSlice {
                                    target: var,
                                    name: ident.name.as_str().into(),
                                    indices: idx_nodes.into_boxed_slice(),
                                    value: Box::new(value),
                                },
                                span,
                            ));
                        }
                        ExprKind::Call(c2) if c2.callee.name == "slice" && idx.len() == 1 => {
                            inner = c2;
                        }
                        _ => {
                            return Err(Error::type_error(
                                "store: the sliced value must be a variable",
                            )
                            .with_label(base.span, "not a variable")
                            .with_help("write store(slice(name, i, ...), value)"))
                        }
                    }
                }
            }
            _ => Err(Error::type_error(
                "store: the target must be a variable or slice(variable, ...)",
            )
            .with_label(target.span, "cannot assign to this")),
        }
    }

    /// Resolves the target of a store. Whole parameters cannot be assigned (spec 2.9).
    fn assignable(&mut self, ident: &Ident, sliced: bool) -> Result<VarRef> {
        match self.resolve(&ident.name) {
            Some((var, binding)) => {
                if binding.is_param && !sliced {
                    return Err(Error::type_error(format!(
                        "assignment to the function argument `{}` is not supported",
                        ident.name
                    ))
                    .with_label(ident.span, "a parameter")
                    .with_help("define a local copy: define(local, param), then store to it; sliced assignment store(slice(param, i), v) is allowed"));
                }
                Ok(var)
            }
            None if constant(&ident.name).is_some() => Err(Error::type_error(format!(
                "`{}` is a constant and cannot be assigned",
                ident.name
            ))
            .with_label(ident.span, "constant")),
            None if registry::lookup(&ident.name).is_some() => Err(Error::type_error(format!(
                "`{}` is a primitive and cannot be assigned",
                ident.name
            ))
            .with_label(ident.span, "primitive")
            .with_help("define a variable first: define(name, value)")),
            None => Err(self.unknown_name(ident, "variable")),
        }
    }

    /// `async(expr)` becomes the primitive applied to `lambda(expr)`: the expression runs
    /// later, on another thread, so it is compiled as a function of no arguments. It may not
    /// store to variables outside it: that store would race with the code after `async`.
    fn async_call(&mut self, call: &Call, span: Span) -> Result<Node> {
        check_count("async", &call.args, 1, 1, span)?;
        if keyword_of(&call.args[0])?.is_some() {
            return Err(Error::arity("async takes no keyword arguments").with_label(span, "here"));
        }
        let lambda = self.lambda("async", &[], &call.args[0], span)?;
        if let NodeKind::Lambda { code, .. } = &lambda.kind {
            let mut accesses = Vec::new();
            collect_accesses(&code.body, &mut accesses);
            if let Some(w) = accesses
                .iter()
                .find(|a| a.write && !matches!(a.var, VarRef::Local(_)))
            {
                return Err(Error::value(
                    "async(...) cannot store to a variable defined outside it",
                )
                .with_label(w.span, "stored here")
                .with_label(span, "in this async")
                .with_help(
                    "the store would race with the code that runs after async; return the value instead and use it where the future is consumed",
                ));
            }
        }
        let prim = self.primitive("async", span)?;
        Ok(Node::new(
            NodeKind::Prim {
                prim,
                args: Box::new([lambda]),
                dtype: None,
            },
            span,
        ))
    }

    fn parallel_block(&mut self, call: &Call, span: Span) -> Result<Node> {
        if call.args.is_empty() {
            return Err(arity_error("parallel_block", "at least 1", 0, span));
        }
        self.current().push_scope();
        let stmts = self.exprs(&call.args);
        self.current().pop_scope();
        let stmts = stmts?;
        check_parallel_conflicts(&stmts)?;
        Ok(Node::new(
            NodeKind::ParallelBlock(stmts.into_boxed_slice()),
            span,
        ))
    }
}

/// A two-operand operator call: the fast `Binary` node when the operator has one.
fn binary_node(prim: &'static Primitive, lhs: Node, rhs: Node, span: Span) -> Node {
    match tree::FastOp::of(prim.name) {
        Some(op) => Node::new(
            NodeKind::Binary {
                op,
                prim,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span,
        ),
        None => Node::new(
            NodeKind::Prim {
                prim,
                args: Box::new([lhs, rhs]),
                dtype: None,
            },
            span,
        ),
    }
}

/// Statements of one parallel_block run concurrently, so a variable one of them writes must
/// not be read or written by another: the result would depend on scheduling (spec 2.6; the
/// spec names store/store conflicts, and a read racing a store is the same race). This is
/// also what lets the runtime read frame slots without locks (see `runtime::frame`).
fn check_parallel_conflicts(stmts: &[Node]) -> Result<()> {
    let accesses: Vec<Vec<Access>> = stmts
        .iter()
        .map(|s| {
            let mut out = Vec::new();
            collect_accesses(s, &mut out);
            out
        })
        .collect();
    for (i, mine) in accesses.iter().enumerate() {
        for w in mine.iter().filter(|a| a.write) {
            for (j, theirs) in accesses.iter().enumerate() {
                if i == j {
                    continue;
                }
                let Some(other) = theirs.iter().find(|a| a.var == w.var) else {
                    continue;
                };
                // report each pair once, at the later statement
                let (first, second) = if j < i { (other, w) } else { (w, other) };
                let e = if other.write {
                    Error::value("two statements of one parallel_block store to the same variable")
                        .with_label(second.span, "second store")
                        .with_label(first.span, "first store")
                        .with_help(
                            "the result would depend on scheduling; use block, or store to different variables",
                        )
                } else {
                    Error::value(
                        "one statement of a parallel_block stores to a variable that another statement reads",
                    )
                    .with_label(w.span, "stored here")
                    .with_label(other.span, "read here, concurrently")
                    .with_help(
                        "the value read would depend on scheduling; read it into a new variable before the parallel_block",
                    )
                };
                return Err(e);
            }
        }
    }
    Ok(())
}

struct Access {
    var: VarRef,
    span: Span,
    write: bool,
}

/// Variables a statement reads and writes (not descending into function bodies; creating a
/// closure reads the variables it captures).
fn collect_accesses(n: &Node, out: &mut Vec<Access>) {
    let mut push = |var, write| {
        out.push(Access {
            var,
            span: n.span,
            write,
        })
    };
    match &n.kind {
        NodeKind::Var(v) => push(*v, false),
        NodeKind::Store { target, .. }
        | NodeKind::StoreSlice { target, .. }
        | NodeKind::Define { target, .. } => push(*target, true),
        NodeKind::Lambda { captures, .. } => {
            for c in captures.iter() {
                push(
                    match *c {
                        CaptureFrom::Local(i) => VarRef::Local(i),
                        CaptureFrom::Upvalue(i) => VarRef::Upvalue(i),
                    },
                    false,
                )
            }
        }
        _ => {}
    }
    n.kind.for_each_child(|c| collect_accesses(c, out));
}

/// `__arg(name, value)` → `Some((name, value))`.
fn keyword_of(e: &Expr) -> Result<Option<(&Ident, &Expr)>> {
    let ExprKind::Call(c) = &e.kind else {
        return Ok(None);
    };
    if c.callee.name != "__arg" {
        return Ok(None);
    }
    match c.args.as_slice() {
        [Expr {
            kind: ExprKind::Ident(name),
            ..
        }, value] => Ok(Some((name, value))),
        _ => Err(
            Error::arity("__arg takes a name and a value: __arg(name, value)")
                .with_label(e.span, "malformed keyword argument"),
        ),
    }
}

fn check_user_arity(
    info: &FnInfo,
    n_positional: usize,
    keywords: &[(&Ident, &Expr)],
    span: Span,
) -> Result<()> {
    let n = info.params.len();
    if n_positional > n {
        return Err(
            arity_error(&info.name, &info.arity_text(), n_positional, span).with_help(format!(
                "{}({})",
                info.name,
                info.params.join(", ")
            )),
        );
    }
    for (k, _) in keywords {
        match info.params.iter().position(|p| *p == k.name) {
            None => {
                return Err(Error::arity(format!(
                    "{} has no parameter named `{}`",
                    info.name, k.name
                ))
                .with_label(k.span, "unknown keyword")
                .with_help(format!("{}({})", info.name, info.params.join(", "))))
            }
            Some(i) if i < n_positional => {
                return Err(Error::arity(format!(
                    "{}: parameter `{}` is given both by position and by keyword",
                    info.name, k.name
                ))
                .with_label(k.span, "repeated"))
            }
            Some(_) => {}
        }
    }
    for (i, p) in info.params.iter().enumerate().skip(n_positional) {
        let given = keywords.iter().any(|(k, _)| k.name == *p);
        if !given && i < info.min_args {
            return Err(
                arity_error(&info.name, &info.arity_text(), n_positional, span).with_help(format!(
                    "missing `{p}`; {}({})",
                    info.name,
                    info.params.join(", ")
                )),
            );
        }
    }
    Ok(())
}

fn arity_error(name: &str, expected: &str, got: usize, span: Span) -> Error {
    Error::arity(format!(
        "{name} takes {expected} argument{}, but {got} {} given",
        if expected == "1" { "" } else { "s" },
        if got == 1 { "was" } else { "were" }
    ))
    .with_label(
        span,
        format!("{got} argument{}", if got == 1 { "" } else { "s" }),
    )
}

fn check_count(name: &str, args: &[Expr], min: usize, max: usize, span: Span) -> Result<()> {
    if args.len() < min || args.len() > max {
        let expected = if min == max {
            format!("{min}")
        } else {
            format!("{min} or {max}")
        };
        return Err(arity_error(name, &expected, args.len(), span));
    }
    Ok(())
}

fn next_node(it: &mut impl Iterator<Item = Node>) -> Result<Node> {
    it.next()
        .ok_or_else(|| Error::internal("argument count checked above"))
}
