//! Lowering of a function body or a `while` loop to the scalar tier's register code.
//!
//! Every register has one type for the whole function (a variable that changes type keeps
//! the code on the tree walker). A call's result type comes from lowering the callee for its
//! argument types; recursion makes that circular, so the whole unit is lowered in rounds,
//! each starting from the result types the previous one found, until nothing changes
//! (`fib` needs two: the base case gives int, then `int + int` confirms it).

use super::{Function, GlobalUse, Op, Reg, Shape, Site, Ty, Unit};
use crate::compile::tree::{FastOp, FuncCode, Node, NodeEffects, NodeKind, VarRef};
use crate::kernels::elementwise::BinOp;
use crate::kernels::fused::{FExpr, FOp, Fused, Origin};
use crate::kernels::unary::UnaryOp;
use crate::runtime::frame::Cell;
use crate::value::Value;
use std::sync::Arc;

/// Rounds of lowering before giving up on result types that never settle.
const MAX_ROUNDS: usize = 8;

/// Whether a function body is made only of what the tier lowers (the static check, done
/// once per function).
pub(super) fn function_shape(code: &FuncCode) -> Option<Shape> {
    let mut uses = SlotUses::default();
    supported(&code.body, code, &mut uses).then(|| Shape {
        slots: Box::new([]),
    })
}

/// The same for a `while` node of a function (or the top level) `code`, with the frame
/// slots it reads or stores but does not define itself: those come in and go out.
pub(super) fn loop_shape(node: &Node, code: &FuncCode) -> Option<Shape> {
    if !matches!(node.kind, NodeKind::While { .. }) {
        return None;
    }
    let mut uses = SlotUses::default();
    if !supported(node, code, &mut uses) {
        return None;
    }
    let slots = uses
        .used
        .iter()
        .copied()
        .filter(|s| !uses.defined.contains(s))
        .collect();
    Some(Shape { slots })
}

#[derive(Default)]
struct SlotUses {
    /// In order of first use.
    used: Vec<u32>,
    defined: Vec<u32>,
}

impl SlotUses {
    fn use_slot(&mut self, slot: u32) {
        if !self.used.contains(&slot) {
            self.used.push(slot);
        }
    }
}

fn supported(node: &Node, code: &FuncCode, uses: &mut SlotUses) -> bool {
    let plain = |slot: u32| !code.cell_slots.get(slot as usize).copied().unwrap_or(true);
    let ok = match &node.kind {
        NodeKind::Const(v) => Ty::of(v).is_some(),
        NodeKind::Var(VarRef::Local(i)) => {
            uses.use_slot(*i);
            plain(*i)
        }
        NodeKind::Var(VarRef::Global(_)) => true,
        NodeKind::Binary { .. }
        | NodeKind::Fused { .. }
        | NodeKind::If { .. }
        | NodeKind::While { .. }
        | NodeKind::For { .. }
        | NodeKind::Block(_) => true,
        NodeKind::Define {
            target: VarRef::Local(i),
            is_function: false,
            ..
        } => {
            uses.defined.push(*i);
            uses.use_slot(*i);
            plain(*i)
        }
        NodeKind::Store {
            target: VarRef::Local(i),
            ..
        } => {
            uses.use_slot(*i);
            plain(*i)
        }
        NodeKind::Store {
            target: VarRef::Global(_),
            ..
        } => true,
        NodeKind::Call {
            callee, keywords, ..
        } => keywords.is_empty() && matches!(callee.kind, NodeKind::Var(VarRef::Global(_))),
        _ => false,
    };
    let mut all = ok;
    if ok {
        node.kind
            .for_each_child(|c| all = all && supported(c, code, uses));
    }
    all
}

/// Lowers `code` for arguments of types `key`.
pub(super) fn function(globals: &[Cell], code: &Arc<FuncCode>, key: &[Ty]) -> Option<Unit> {
    let mut l = Lower::new(globals);
    l.specs.push(Spec {
        code: code.clone(),
        key: key.into(),
    });
    l.results.push(None);
    l.run(None)
}

/// Lowers the loop `node` of function `code`; `slots` are its incoming slots, of types `key`.
pub(super) fn while_loop(
    globals: &[Cell],
    node: &Node,
    code: &FuncCode,
    slots: &[u32],
    key: &[Ty],
) -> Option<Unit> {
    let mut l = Lower::new(globals);
    l.results.push(None);
    l.first_spec = 1;
    l.run(Some((node, code, slots, key)))
}

/// Lowering state of one unit.
struct Lower<'g> {
    globals: &'g [Cell],
    ops: Vec<Op>,
    functions: Vec<Function>,
    sites: Vec<Site>,
    global_uses: Vec<GlobalUse>,
    callees: Vec<(u32, std::sync::Weak<FuncCode>)>,
    /// Function ids: code and argument types (id 0 of a loop unit has no entry here).
    specs: Vec<Spec>,
    /// Result type of each function as far as known.
    results: Vec<Option<Ty>>,
    /// Set when this round used a result type not known yet.
    unknown: bool,
    /// Set when a result type was learned this round.
    changed: bool,
    /// The last instruction and the temporary it computed, while nothing else has followed.
    fresh: Option<(usize, Reg)>,
    /// Function id of `specs[0]`: 1 in a loop's unit, whose function 0 is the loop.
    first_spec: usize,
    /// Variable registers of the loop (function 0) that it writes.
    loop_written: Vec<bool>,
}

/// A function of the unit: its code and argument types.
struct Spec {
    code: Arc<FuncCode>,
    key: Box<[Ty]>,
}

/// The function being lowered.
struct Func<'c> {
    code: &'c FuncCode,
    /// Register of each frame slot (a loop numbers its slots from 0).
    reg_of_slot: Vec<Option<Reg>>,
    /// Type of each variable register, once assigned.
    var_ty: Vec<Option<Ty>>,
    /// Registers certainly assigned at this point of the code.
    assigned: Vec<bool>,
    /// Variable registers stored to anywhere.
    written: Vec<bool>,
    /// Registers below this hold variables; temporaries are above.
    first_temp: Reg,
    next_temp: Reg,
    max_reg: Reg,
}

impl Func<'_> {
    fn temp(&mut self) -> Reg {
        let r = self.next_temp;
        self.next_temp += 1;
        self.max_reg = self.max_reg.max(self.next_temp);
        r
    }

    fn reg(&self, slot: u32) -> Option<Reg> {
        self.reg_of_slot.get(slot as usize).copied().flatten()
    }

    fn is_plain(&self, slot: u32) -> bool {
        !self
            .code
            .cell_slots
            .get(slot as usize)
            .copied()
            .unwrap_or(true)
    }
}

/// A lowered operand: its register and type (`None`: a result type not known this round).
type Operand = (Reg, Option<Ty>);

fn numeric(t: Ty) -> bool {
    matches!(t, Ty::Int | Ty::Float)
}

impl<'g> Lower<'g> {
    fn new(globals: &'g [Cell]) -> Lower<'g> {
        Lower {
            globals,
            ops: Vec::new(),
            functions: Vec::new(),
            sites: Vec::new(),
            global_uses: Vec::new(),
            callees: Vec::new(),
            specs: Vec::new(),
            results: Vec::new(),
            unknown: false,
            changed: false,
            fresh: None,
            first_spec: 0,
            loop_written: Vec::new(),
        }
    }

    /// Lowers every function of the unit in rounds until the result types settle.
    fn run(mut self, as_loop: Option<(&Node, &FuncCode, &[u32], &[Ty])>) -> Option<Unit> {
        for _ in 0..MAX_ROUNDS {
            self.ops.clear();
            self.functions.clear();
            self.sites.clear();
            self.unknown = false;
            self.changed = false;
            let mut id = 0;
            // callees found while lowering are appended to `specs`: lower them in turn
            while id < self.results.len() {
                if id == 0 {
                    if let Some((node, code, slots, key)) = as_loop {
                        self.lower_loop(node, code, slots, key)?;
                        id += 1;
                        continue;
                    }
                }
                let (code, key) = {
                    let spec = self.specs.get(id - self.first_spec)?;
                    (spec.code.clone(), spec.key.clone())
                };
                self.lower_function(id, &code, &key)?;
                id += 1;
            }
            if !self.unknown && !self.changed {
                let slots = match as_loop {
                    Some((_, _, slots, key)) => slots
                        .iter()
                        .zip(key)
                        .enumerate()
                        .map(|(r, (&s, &t))| {
                            (s, t, self.loop_written.get(r).copied().unwrap_or(true))
                        })
                        .collect(),
                    None => Vec::new(),
                };
                return Some(Unit {
                    ops: self.ops,
                    functions: self.functions,
                    sites: self.sites,
                    globals: self.global_uses,
                    callees: self.callees,
                    slots,
                });
            }
            if !self.changed {
                // unknown result types that no round can learn (recursion without a base
                // case)
                return None;
            }
        }
        None
    }

    fn lower_function(&mut self, id: usize, code: &FuncCode, key: &[Ty]) -> Option<()> {
        let n = code.n_slots as usize;
        if key.len() != code.params.len() || key.len() > n {
            return None;
        }
        let mut f = Func {
            code,
            reg_of_slot: (0..n as u32).map(Some).collect(),
            var_ty: vec![None; n],
            assigned: vec![false; n],
            written: vec![false; n],
            first_temp: n as Reg,
            next_temp: n as Reg,
            max_reg: n as Reg,
        };
        for (i, t) in key.iter().enumerate() {
            f.var_ty[i] = Some(*t);
            f.assigned[i] = true;
        }
        let entry = self.ops.len() as u32;
        let t = self.tail(&mut f, &code.body)?;
        self.finish_function(id, code.name.clone(), entry, key.len() as u32, &f, t)
    }

    fn lower_loop(
        &mut self,
        node: &Node,
        code: &FuncCode,
        slots: &[u32],
        key: &[Ty],
    ) -> Option<()> {
        let n = code.n_slots as usize;
        let mut reg_of_slot = vec![None; n];
        let mut next = 0;
        for &s in slots {
            *reg_of_slot.get_mut(s as usize)? = Some(next);
            next += 1;
        }
        // the loop's own locals (defined inside it) follow
        let mut uses = SlotUses::default();
        supported(node, code, &mut uses);
        for &s in &uses.defined {
            let r = reg_of_slot.get_mut(s as usize)?;
            if r.is_none() {
                *r = Some(next);
                next += 1;
            }
        }
        let mut f = Func {
            code,
            reg_of_slot,
            var_ty: vec![None; next as usize],
            assigned: vec![false; next as usize],
            written: vec![false; next as usize],
            first_temp: next,
            next_temp: next,
            max_reg: next,
        };
        for (i, t) in key.iter().enumerate() {
            f.var_ty[i] = Some(*t);
            f.assigned[i] = true;
        }
        let entry = self.ops.len() as u32;
        let (r, t) = self.expr(&mut f, node, true)?;
        self.ops.push(Op::Return { src: r });
        self.loop_written = f.written.clone();
        self.finish_function(0, "while".into(), entry, key.len() as u32, &f, t)
    }

    fn finish_function(
        &mut self,
        id: usize,
        name: Box<str>,
        entry: u32,
        n_params: u32,
        f: &Func<'_>,
        result: Option<Ty>,
    ) -> Option<()> {
        match (self.results[id], result) {
            (_, None) => self.unknown = true,
            (None, Some(t)) => {
                self.results[id] = Some(t);
                self.changed = true;
            }
            (Some(a), Some(b)) if a != b => return None,
            _ => {}
        }
        self.functions.push(Function {
            name,
            entry,
            n_params,
            n_regs: f.max_reg.max(1),
            result: result.unwrap_or(Ty::Nil),
        });
        Some(())
    }

    fn emit(&mut self, op: Op) -> usize {
        let mut op = op;
        self.fresh = op.result_mut().map(|dst| (self.ops.len(), *dst));
        self.ops.push(op);
        self.ops.len() - 1
    }

    /// Copies `src` to `dst`. When `src` is a temporary computed by the instruction just
    /// emitted (nothing has read it yet), that instruction writes `dst` instead. Never for a
    /// variable's register: the variable must keep its value too (`define(b, define(a, 1))`).
    fn move_to(&mut self, f: &Func<'_>, dst: Reg, src: Reg) {
        if dst == src {
            return;
        }
        if let Some((at, r)) = self.fresh {
            if r == src && src >= f.first_temp && at + 1 == self.ops.len() {
                if let Some(r) = self.ops[at].result_mut() {
                    *r = dst;
                    self.fresh = Some((at, dst));
                    return;
                }
            }
        }
        self.emit(Op::Move { dst, src });
    }

    /// Points the jump at `at` to the next instruction.
    fn patch(&mut self, at: usize) {
        // control flow joins here: the last instruction is no longer the only way in
        self.fresh = None;
        let here = self.ops.len() as u32;
        match &mut self.ops[at] {
            Op::JumpUnlessI { to, .. }
            | Op::JumpUnlessIK { to, .. }
            | Op::JumpUnlessF { to, .. }
            | Op::JumpUnless { to, .. }
            | Op::JumpUnlessFloat { to, .. }
            | Op::Jump { to } => *to = here,
            _ => {}
        }
    }

    /// The area index of global `g` used as data, with its type now.
    fn global(&mut self, g: u32, written: bool) -> Option<(u32, Ty)> {
        if let Some(i) = self.global_uses.iter().position(|u| u.index == g) {
            let u = &mut self.global_uses[i];
            u.written |= written;
            return Some((i as u32, u.ty));
        }
        let ty = Ty::of(&self.globals.get(g as usize)?.read())?;
        // a function called here is data elsewhere: keep it simple, stay on the tree
        if self.callees.iter().any(|(c, _)| *c == g) {
            return None;
        }
        self.global_uses.push(GlobalUse {
            index: g,
            ty,
            written,
        });
        Some(((self.global_uses.len() - 1) as u32, ty))
    }

    /// Converts an int64 operand to float64 (in a new temporary).
    fn float_operand(&mut self, f: &mut Func<'_>, (r, t): (Reg, Ty)) -> Reg {
        if t == Ty::Int {
            let dst = f.temp();
            self.emit(Op::IntToFloat { dst, src: r });
            dst
        } else {
            r
        }
    }

    /// Lowers `node`; with `want` false its value is not needed (its type is then free).
    fn expr(&mut self, f: &mut Func<'_>, node: &Node, want: bool) -> Option<Operand> {
        match &node.kind {
            NodeKind::Const(v) => {
                let ty = Ty::of(v)?;
                let dst = f.temp();
                if want && ty != Ty::Nil {
                    self.emit(Op::Const {
                        dst,
                        bits: super::bits(v),
                    });
                }
                Some((dst, Some(ty)))
            }
            NodeKind::Var(VarRef::Local(i)) => {
                let r = f.reg(*i)?;
                if !f.is_plain(*i) || !f.assigned.get(r as usize).copied()? {
                    return None;
                }
                Some((r, Some(f.var_ty[r as usize]?)))
            }
            NodeKind::Var(VarRef::Global(g)) => {
                let (global, ty) = self.global(*g, false)?;
                let dst = f.temp();
                self.emit(Op::GetGlobal { dst, global });
                Some((dst, Some(ty)))
            }
            NodeKind::Binary { op, lhs, rhs, .. } => self.binary(f, node, *op, lhs, rhs),
            NodeKind::If {
                cond,
                then,
                otherwise,
            } => {
                let skip = self.condition(f, cond)?;
                let start = f.assigned.clone();
                let dst = f.temp();
                let (rt, tt) = self.expr(f, then, want)?;
                if want {
                    self.move_to(f, dst, rt);
                }
                let after_then = std::mem::replace(&mut f.assigned, start);
                let (te, after_else) = match otherwise {
                    Some(o) => {
                        let end = self.emit(Op::Jump { to: 0 });
                        self.patch(skip);
                        let (re, te) = self.expr(f, o, want)?;
                        if want {
                            self.move_to(f, dst, re);
                        }
                        self.patch(end);
                        (te, std::mem::take(&mut f.assigned))
                    }
                    None => {
                        self.patch(skip);
                        (Some(Ty::Nil), std::mem::take(&mut f.assigned))
                    }
                };
                f.assigned = after_then
                    .iter()
                    .zip(&after_else)
                    .map(|(a, b)| *a && *b)
                    .collect();
                let ty = if want {
                    self.join(tt, te)?
                } else {
                    Some(Ty::Nil)
                };
                Some((dst, ty))
            }
            NodeKind::While { cond, body, .. } => {
                let top = self.ops.len() as u32;
                let exit = self.condition(f, cond)?;
                self.emit(Op::Iteration);
                let start = f.assigned.clone();
                let (_, tb) = self.expr(f, body, want)?;
                f.assigned = start;
                self.emit(Op::Jump { to: top });
                self.patch(exit);
                self.loop_value(f, want, tb)
            }
            NodeKind::For {
                init,
                cond,
                step,
                body,
            } => {
                self.expr(f, init, false)?;
                let top = self.ops.len() as u32;
                let exit = self.condition(f, cond)?;
                self.emit(Op::Iteration);
                let start = f.assigned.clone();
                let (_, tb) = self.expr(f, body, want)?;
                self.expr(f, step, false)?;
                f.assigned = start;
                self.emit(Op::Jump { to: top });
                self.patch(exit);
                self.loop_value(f, want, tb)
            }
            NodeKind::Block(stmts) => {
                let Some((last, init)) = stmts.split_last() else {
                    return Some((f.temp(), Some(Ty::Nil)));
                };
                self.statements(f, init)?;
                self.expr(f, last, want)
            }
            NodeKind::Define {
                target: VarRef::Local(i),
                value,
                is_function: false,
            } => {
                let r = self.assign(f, *i, value)?;
                Some((r, f.var_ty[r as usize]))
            }
            NodeKind::Store {
                target: VarRef::Local(i),
                value,
                ..
            } => {
                self.assign(f, *i, value)?;
                Some((f.temp(), Some(Ty::Nil)))
            }
            NodeKind::Store {
                target: VarRef::Global(g),
                value,
                ..
            } => {
                let (src, tv) = self.expr(f, value, true)?;
                let (global, ty) = self.global(*g, true)?;
                match tv {
                    None => self.unknown = true,
                    Some(t) if t != ty => return None,
                    _ => {}
                }
                self.emit(Op::SetGlobal { global, src });
                Some((f.temp(), Some(Ty::Nil)))
            }
            NodeKind::Call {
                callee,
                args,
                keywords,
                ..
            } if keywords.is_empty() => self.call(f, node, callee, args),
            NodeKind::Fused { fused, leaves } => self.fused(f, fused, leaves),
            _ => None,
        }
    }

    /// Statements whose values are not used.
    fn statements(&mut self, f: &mut Func<'_>, stmts: &[Node]) -> Option<()> {
        for s in stmts {
            let mark = f.next_temp;
            self.expr(f, s, false)?;
            // a finished statement's temporaries are dead
            f.next_temp = mark;
        }
        Some(())
    }

    /// Lowers a function body in tail position: each branch of a final `if` returns by
    /// itself (no copy to a common register and jump to one return). The result type.
    fn tail(&mut self, f: &mut Func<'_>, node: &Node) -> Option<Option<Ty>> {
        match &node.kind {
            NodeKind::If {
                cond,
                then,
                otherwise,
            } => {
                let skip = self.condition(f, cond)?;
                let start = f.assigned.clone();
                let tt = self.tail(f, then)?;
                f.assigned = start;
                self.patch(skip);
                let te = match otherwise {
                    Some(o) => self.tail(f, o)?,
                    None => {
                        let src = f.temp();
                        self.emit(Op::Return { src });
                        Some(Ty::Nil)
                    }
                };
                self.join(tt, te)
            }
            NodeKind::Block(stmts) if !stmts.is_empty() => {
                let (last, init) = stmts.split_last()?;
                self.statements(f, init)?;
                self.tail(f, last)
            }
            _ => {
                let (src, t) = self.expr(f, node, true)?;
                self.emit(Op::Return { src });
                Some(t)
            }
        }
    }

    /// `define` or `store` of a plain local: the value goes to the variable's register,
    /// whose type must stay the same.
    fn assign(&mut self, f: &mut Func<'_>, slot: u32, value: &Node) -> Option<Reg> {
        let r = f.reg(slot)?;
        if !f.is_plain(slot) {
            return None;
        }
        let (src, tv) = self.expr(f, value, true)?;
        match (f.var_ty[r as usize], tv) {
            (_, None) => self.unknown = true,
            (None, Some(t)) => f.var_ty[r as usize] = Some(t),
            (Some(a), Some(b)) if a != b => return None,
            _ => {}
        }
        self.move_to(f, r, src);
        f.assigned[r as usize] = true;
        f.written[r as usize] = true;
        Some(r)
    }

    /// The value of a loop: its body's last value, or nil if it never ran; only a body of
    /// nil value gives one type.
    fn loop_value(&mut self, f: &mut Func<'_>, want: bool, body: Option<Ty>) -> Option<Operand> {
        match (want, body) {
            (false, _) | (true, Some(Ty::Nil)) => Some((f.temp(), Some(Ty::Nil))),
            (true, None) => {
                self.unknown = true;
                Some((f.temp(), None))
            }
            (true, Some(_)) => None,
        }
    }

    /// The type of a value that is one of two.
    fn join(&mut self, a: Option<Ty>, b: Option<Ty>) -> Option<Option<Ty>> {
        match (a, b) {
            (Some(a), Some(b)) if a == b => Some(Some(a)),
            (Some(_), Some(_)) => None,
            (Some(t), None) | (None, Some(t)) => Some(Some(t)),
            (None, None) => {
                self.unknown = true;
                Some(None)
            }
        }
    }

    /// Lowers `cond` as a branch: returns the jump (to patch) taken when it is false.
    fn condition(&mut self, f: &mut Func<'_>, cond: &Node) -> Option<usize> {
        if let NodeKind::Binary {
            op: FastOp::Cmp(op),
            lhs,
            rhs,
            ..
        } = &cond.kind
        {
            let (a, ta) = self.expr(f, lhs, true)?;
            let a = self.protect(f, a, rhs);
            if let (Some(Ty::Int), NodeKind::Const(Value::Int(k))) = (ta, &rhs.kind) {
                return Some(self.emit(Op::JumpUnlessIK {
                    op: *op,
                    a,
                    k: *k,
                    to: 0,
                }));
            }
            let (b, tb) = self.expr(f, rhs, true)?;
            return match (ta, tb) {
                (Some(Ty::Int), Some(Ty::Int)) => Some(self.emit(Op::JumpUnlessI {
                    op: *op,
                    a,
                    b,
                    to: 0,
                })),
                (Some(ta), Some(tb)) if numeric(ta) && numeric(tb) => {
                    let a = self.float_operand(f, (a, ta));
                    let b = self.float_operand(f, (b, tb));
                    Some(self.emit(Op::JumpUnlessF {
                        op: *op,
                        a,
                        b,
                        to: 0,
                    }))
                }
                (Some(_), Some(_)) => None,
                _ => {
                    self.unknown = true;
                    Some(self.emit(Op::Jump { to: 0 }))
                }
            };
        }
        let (r, t) = self.expr(f, cond, true)?;
        Some(match t {
            Some(Ty::Bool | Ty::Int) => self.emit(Op::JumpUnless { cond: r, to: 0 }),
            Some(Ty::Float) => self.emit(Op::JumpUnlessFloat { cond: r, to: 0 }),
            Some(Ty::Nil) => self.emit(Op::Jump { to: 0 }),
            None => {
                self.unknown = true;
                self.emit(Op::Jump { to: 0 })
            }
        })
    }

    /// A variable's register read as a left operand stays valid only if the right operand
    /// does not store to it: copy it first when the right side writes anything.
    fn protect(&mut self, f: &mut Func<'_>, r: Reg, rhs: &Node) -> Reg {
        if r < f.first_temp && rhs.effects.contains(NodeEffects::WRITES) {
            let dst = f.temp();
            self.emit(Op::Move { dst, src: r });
            dst
        } else {
            r
        }
    }

    fn binary(
        &mut self,
        f: &mut Func<'_>,
        node: &Node,
        op: FastOp,
        lhs: &Node,
        rhs: &Node,
    ) -> Option<Operand> {
        let (a, ta) = self.expr(f, lhs, true)?;
        let a = self.protect(f, a, rhs);
        let dst = f.temp();
        // `n - 1`, `i + 1`, `x * 2.0`: the constant goes into the instruction
        match (op, ta, &rhs.kind) {
            (FastOp::Arith(bop), Some(Ty::Int), NodeKind::Const(Value::Int(k))) => {
                let int_op = match bop {
                    BinOp::Add => Some(Op::AddIK { dst, a, k: *k }),
                    BinOp::Sub => Some(Op::SubIK { dst, a, k: *k }),
                    BinOp::Mul => Some(Op::MulIK { dst, a, k: *k }),
                    _ => None,
                };
                if let Some(o) = int_op {
                    self.emit(o);
                    return Some((dst, Some(Ty::Int)));
                }
            }
            (
                FastOp::Arith(bop @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div)),
                Some(Ty::Float),
                NodeKind::Const(Value::Float(k)),
            ) => {
                self.emit(Op::ArithFK {
                    op: bop,
                    dst,
                    a,
                    k: *k,
                });
                return Some((dst, Some(Ty::Float)));
            }
            _ => {}
        }
        let (b, tb) = self.expr(f, rhs, true)?;
        let site = Site {
            node: node.span,
            lhs: lhs.span,
            rhs: rhs.span,
        };
        let ty = self.operator(f, op, dst, (a, ta), (b, tb), site)?;
        Some((dst, ty))
    }

    /// `a op b` into `dst` on lowered operands; the type of the result.
    fn operator(
        &mut self,
        f: &mut Func<'_>,
        op: FastOp,
        dst: Reg,
        (a, ta): Operand,
        (b, tb): Operand,
        site: Site,
    ) -> Option<Option<Ty>> {
        let (ta, tb) = match (ta, tb) {
            (Some(ta), Some(tb)) if numeric(ta) && numeric(tb) => (ta, tb),
            (Some(_), Some(_)) => return None,
            _ => {
                self.unknown = true;
                return Some(None);
            }
        };
        let both_int = ta == Ty::Int && tb == Ty::Int;
        let ty = match op {
            FastOp::Arith(bop @ (BinOp::Add | BinOp::Sub | BinOp::Mul)) if both_int => {
                self.emit(match bop {
                    BinOp::Add => Op::AddI { dst, a, b },
                    BinOp::Sub => Op::SubI { dst, a, b },
                    _ => Op::MulI { dst, a, b },
                });
                Ty::Int
            }
            FastOp::Arith(bop @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div)) => {
                let a = self.float_operand(f, (a, ta));
                let b = self.float_operand(f, (b, tb));
                self.emit(Op::ArithF { op: bop, dst, a, b });
                Ty::Float
            }
            FastOp::Arith(bop @ BinOp::Mod) => {
                self.sites.push(site);
                let site = (self.sites.len() - 1) as u32;
                self.emit(Op::Kernel {
                    op: bop,
                    dst,
                    a,
                    ta,
                    b,
                    tb,
                    site,
                });
                if both_int {
                    Ty::Int
                } else {
                    Ty::Float
                }
            }
            FastOp::Arith(_) => return None,
            FastOp::Cmp(c) if both_int => {
                self.emit(Op::CmpI { op: c, dst, a, b });
                Ty::Bool
            }
            FastOp::Cmp(c) => {
                let a = self.float_operand(f, (a, ta));
                let b = self.float_operand(f, (b, tb));
                self.emit(Op::CmpF { op: c, dst, a, b });
                Ty::Bool
            }
        };
        Some(Some(ty))
    }

    /// A fused elementwise node on numbers: its leaves in order, then the operators (`+ - *
    /// / %`, comparisons) and negation. The fused node reports a failing `%` as the
    /// unfused operator would, with the spans kept in the fused expression.
    fn fused(&mut self, f: &mut Func<'_>, fused: &Fused, leaves: &[Node]) -> Option<Operand> {
        // leaves are pure: none stores to a variable another one reads
        let mut values = Vec::with_capacity(leaves.len());
        for leaf in leaves {
            values.push(self.expr(f, leaf, true)?);
        }
        self.fused_expr(f, &fused.root, &values)
    }

    fn fused_expr(&mut self, f: &mut Func<'_>, e: &FExpr, leaves: &[Operand]) -> Option<Operand> {
        match e {
            FExpr::Leaf(i) => leaves.get(*i as usize).copied(),
            FExpr::Const(v) => {
                let ty = Ty::of(v).filter(|t| numeric(*t) || *t == Ty::Bool)?;
                let dst = f.temp();
                self.emit(Op::Const {
                    dst,
                    bits: super::bits(v),
                });
                Some((dst, Some(ty)))
            }
            FExpr::Op(node) => {
                let operands: Vec<Operand> = node
                    .args
                    .iter()
                    .take(node.op.arity())
                    .map(|a| self.fused_expr(f, a, leaves))
                    .collect::<Option<_>>()?;
                let dst = f.temp();
                let site = Site {
                    node: node.span,
                    lhs: node.arg_spans.first().copied().unwrap_or(node.span),
                    rhs: node.arg_spans.get(1).copied().unwrap_or(node.span),
                };
                match (node.op, &operands[..]) {
                    (
                        FOp::Arith(
                            op @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod),
                        ),
                        [a, b],
                    ) if node.origin == Origin::Binary => {
                        let ty = self.operator(f, FastOp::Arith(op), dst, *a, *b, site)?;
                        Some((dst, ty))
                    }
                    (FOp::Cmp(op), [a, b]) if node.origin == Origin::Binary => {
                        let ty = self.operator(f, FastOp::Cmp(op), dst, *a, *b, site)?;
                        Some((dst, ty))
                    }
                    (FOp::Unary(UnaryOp::Neg), [(src, t)]) => match t {
                        Some(Ty::Int) => {
                            self.emit(Op::NegI { dst, src: *src });
                            Some((dst, Some(Ty::Int)))
                        }
                        Some(Ty::Float) => {
                            self.emit(Op::NegF { dst, src: *src });
                            Some((dst, Some(Ty::Float)))
                        }
                        Some(_) => None,
                        None => {
                            self.unknown = true;
                            Some((dst, None))
                        }
                    },
                    _ => None,
                }
            }
        }
    }

    /// A call of the global function `callee` with positional `args`.
    fn call(
        &mut self,
        f: &mut Func<'_>,
        node: &Node,
        callee: &Node,
        args: &[Node],
    ) -> Option<Operand> {
        let NodeKind::Var(VarRef::Global(g)) = callee.kind else {
            return None;
        };
        let code = {
            let v = self.globals.get(g as usize)?.read();
            super::closure_of(&v)?.code.clone()
        };
        if code.params.len() != args.len() || self.global_uses.iter().any(|u| u.index == g) {
            return None;
        }
        match self.callees.iter().find(|(c, _)| *c == g) {
            Some((_, w)) if !std::ptr::eq(w.as_ptr(), Arc::as_ptr(&code)) => return None,
            Some(_) => {}
            None => self.callees.push((g, Arc::downgrade(&code))),
        }
        if !code.scalar.function_lowers(&code) {
            return None;
        }
        // the arguments go to consecutive registers, each copied as soon as it is computed
        let first = f.next_temp;
        for _ in args {
            f.temp();
        }
        let mut key: smallvec::SmallVec<[Ty; 4]> = smallvec::SmallVec::new();
        for (i, a) in args.iter().enumerate() {
            let (r, t) = self.expr(f, a, true)?;
            self.move_to(f, first + i as Reg, r);
            match t {
                Some(Ty::Nil) => return None,
                Some(t) => key.push(t),
                None => {
                    self.unknown = true;
                    return Some((f.temp(), None));
                }
            }
        }
        let offset = self.first_spec;
        let id = match self
            .specs
            .iter()
            .position(|s| Arc::ptr_eq(&s.code, &code) && *s.key == *key)
        {
            Some(i) => i + offset,
            None => {
                self.specs.push(Spec {
                    code: code.clone(),
                    key: key.as_slice().into(),
                });
                self.results.push(None);
                self.results.len() - 1
            }
        };
        let dst = f.temp();
        self.sites.push(Site {
            node: node.span,
            lhs: callee.span,
            rhs: callee.span,
        });
        let site = (self.sites.len() - 1) as u32;
        self.emit(Op::Call {
            func: id as u32,
            dst,
            args: first,
            site,
        });
        let ty = self.results[id];
        if ty.is_none() {
            self.unknown = true;
        }
        Some((dst, ty))
    }
}
