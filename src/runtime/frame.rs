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

/// One slot behind an `UnsafeCell`: plain locals are read and written without locks.
pub struct SlotCell(std::cell::UnsafeCell<Slot>);

/// The variables of one invocation.
///
/// Slots have no locks: reading a local is a plain load, which is what makes a variable
/// access and a call cheap. Soundness rests on who may touch a frame concurrently:
/// - only the evaluation of this invocation's own code reaches its slots (closures reach
///   captured variables through shared, locked cells, never through the frame);
/// - the scheduler evaluates children of a node concurrently only when none of them writes
///   a variable or calls a function ([`crate::compile::tree::NodeEffects`]), so concurrent
///   tasks only read;
/// - the statements of a `parallel_block` run concurrently, and the compiler rejects one
///   that writes a variable another one reads or writes (`check_parallel_conflicts`), so
///   concurrent writers touch distinct slots that nobody else reads meanwhile.
///
/// Every access goes through [`Frame::get`] and [`Frame::set`], which never hand out a
/// reference that outlives the access.
pub struct Frame<'a> {
    /// Small frames (most functions) live on the native stack.
    slots: smallvec::SmallVec<[SlotCell; 4]>,
    pub upvalues: &'a [Capture],
    pub code: &'a FuncCode,
}

// SAFETY: see the type's documentation: concurrent access is limited to reads, or to
// writes of distinct slots, by the compiler's and the scheduler's rules.
unsafe impl Sync for Frame<'_> {}

impl<'a> Frame<'a> {
    pub fn new(code: &'a FuncCode, upvalues: &'a [Capture]) -> Frame<'a> {
        let first = std::iter::empty::<Result<Value, std::convert::Infallible>>();
        match Frame::try_new(code, upvalues, first) {
            Ok(frame) => frame,
            Err(never) => match never {},
        }
    }

    /// A frame whose first slots (the parameters) are the values of `first`, taken in
    /// order; the first error stops the construction. The rest are nil.
    pub fn try_new<E>(
        code: &'a FuncCode,
        upvalues: &'a [Capture],
        first: impl Iterator<Item = Result<Value, E>>,
    ) -> Result<Frame<'a>, E> {
        let n = code.n_slots as usize;
        let nil = |_| SlotCell(std::cell::UnsafeCell::new(Slot::Val(Value::Nil)));
        // filled in one go rather than pushed one by one: this runs once per call
        let mut slots: smallvec::SmallVec<[SlotCell; 4]> = if n <= 4 {
            smallvec::SmallVec::from_buf_and_len(std::array::from_fn(nil), n)
        } else {
            (0..n).map(nil).collect()
        };
        for (i, v) in first.enumerate() {
            let v = Slot::Val(v?);
            match slots.get_mut(i) {
                Some(cell) => *cell.0.get_mut() = v,
                None => slots.push(SlotCell(std::cell::UnsafeCell::new(v))),
            }
        }
        Ok(Frame {
            slots,
            upvalues,
            code,
        })
    }

    /// Runs `f` on slot `i` (`None` if out of range).
    #[inline(always)]
    pub fn with<T>(&self, i: u32, f: impl FnOnce(&Slot) -> T) -> Option<T> {
        let cell = self.slots.get(i as usize)?;
        // SAFETY: no write to this slot runs concurrently (type documentation), and the
        // reference does not escape `f`; `f` only reads (it cannot reach the frame mutably).
        Some(f(unsafe { &*cell.0.get() }))
    }

    /// A copy of slot `i` when it holds a plain value (`None` for a cell or out of range):
    /// the operand fast path, which a closure passed to [`Frame::with`] kept out of line.
    #[inline(always)]
    pub fn value(&self, i: u32) -> Option<Value> {
        let cell = self.slots.get(i as usize)?;
        // SAFETY: as for `with`: no concurrent write, and the reference ends here.
        match unsafe { &*cell.0.get() } {
            Slot::Val(v) => Some(v.clone_fast()),
            Slot::Cell(_) => None,
        }
    }

    /// Replaces slot `i`, returning the old content (dropped by the caller, outside of any
    /// access to the frame).
    #[inline]
    pub fn set(&self, i: u32, slot: Slot) -> Option<Slot> {
        let cell = self.slots.get(i as usize)?;
        // SAFETY: the writer of a slot is the only one touching it (type documentation).
        Some(unsafe { std::ptr::replace(cell.0.get(), slot) })
    }

    /// Runs `f` on slot `i` with write access (`None` if out of range): stores, and taking
    /// a stored array out of its slot for `store(x, f(x))` once nothing reads `x` before the
    /// store (`Interp::store_value`).
    #[inline]
    pub fn with_mut<T>(&self, i: u32, f: impl FnOnce(&mut Slot) -> T) -> Option<T> {
        let cell = self.slots.get(i as usize)?;
        // SAFETY: as for `set`; `f` gets the slot for the duration of the call only.
        Some(f(unsafe { &mut *cell.0.get() }))
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
