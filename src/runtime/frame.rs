//! Frames, cells and closures (the model is described in `compile::tree`).

use crate::compile::tree::FuncCode;
use crate::value::{FuncObj, Value};
use parking_lot::RwLock;
use std::sync::Arc;

/// A shared variable: globals, and locals captured by closures.
pub type Cell = Arc<RwLock<Value>>;

pub fn new_cell(v: Value) -> Cell {
    Arc::new(RwLock::new(v))
}

/// One slot of a frame.
#[derive(Debug)]
pub enum Slot {
    Val(Value),
    Cell(Cell),
}

/// What a closure captured: a variable (shared) or a parameter (copied).
#[derive(Clone, Debug)]
pub enum Capture {
    Cell(Cell),
    Value(Value),
}

/// The variables of one invocation. Each slot has its own lock so that effect-free subtrees
/// may later read a frame from several threads.
pub struct Frame<'a> {
    /// Small frames (most functions) live on the native stack.
    pub slots: smallvec::SmallVec<[RwLock<Slot>; 4]>,
    pub upvalues: &'a [Capture],
    pub code: &'a FuncCode,
}

impl<'a> Frame<'a> {
    pub fn new(code: &'a FuncCode, upvalues: &'a [Capture]) -> Frame<'a> {
        let slots = (0..code.n_slots)
            .map(|_| RwLock::new(Slot::Val(Value::Nil)))
            .collect();
        Frame {
            slots,
            upvalues,
            code,
        }
    }

    pub fn is_cell(&self, slot: u32) -> bool {
        self.code
            .cell_slots
            .get(slot as usize)
            .copied()
            .unwrap_or(false)
    }
}

/// A user function value: compiled code plus its captures.
pub struct Closure {
    pub code: Arc<FuncCode>,
    pub upvalues: Box<[Capture]>,
}

impl std::fmt::Debug for Closure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<function {}>", self.code.name)
    }
}

impl FuncObj for Closure {
    fn name(&self) -> &str {
        &self.code.name
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
