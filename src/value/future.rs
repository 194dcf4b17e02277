//! Futures: the value of `async(expr)` (spec 4, controls; `__type` 6).
//!
//! A future is a function-like value ([`FuncObj`], named `future`) so that it can travel
//! through variables, lists and calls unchanged; the evaluator awaits it transparently
//! wherever a primitive or an operator consumes it.
//!
//! Futures run on the executor threads of `runtime::executor`, never as jobs of the worker
//! pool (the module explains why). A waiter that is not a pool worker runs a future nobody
//! has started yet itself; every other waiter blocks until the value is there.

use super::{FuncObj, Value};
use crate::diagnostics::Result;
use parking_lot::{Condvar, Mutex};
use std::sync::Arc;

type Job = Box<dyn FnOnce() -> Result<Value> + Send>;

enum State {
    Pending(Job),
    Running,
    Done(Result<Value>),
}

pub struct Future {
    state: Mutex<State>,
    finished: Condvar,
}

impl std::fmt::Debug for Future {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<future>")
    }
}

impl FuncObj for Future {
    fn name(&self) -> &str {
        "future"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Future {
    pub fn new(job: impl FnOnce() -> Result<Value> + Send + 'static) -> Arc<Future> {
        Arc::new(Future {
            state: Mutex::new(State::Pending(Box::new(job))),
            finished: Condvar::new(),
        })
    }

    /// The future inside a value, if it is one.
    pub fn of(v: &Value) -> Option<&Future> {
        match v {
            Value::Func(f) => f.as_any().downcast_ref::<Future>(),
            _ => None,
        }
    }

    /// Runs the job here unless some thread has started it already.
    pub fn run_if_pending(&self) {
        let job = {
            let mut st = self.state.lock();
            match std::mem::replace(&mut *st, State::Running) {
                State::Pending(job) => job,
                other => {
                    *st = other;
                    return;
                }
            }
        };
        // a panic in the job would leave waiters hanging: turn it into an error
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).unwrap_or_else(|_| {
                Err(crate::diagnostics::Error::internal(
                    "an async task panicked",
                ))
            });
        *self.state.lock() = State::Done(result);
        self.finished.notify_all();
    }

    /// The future's value, running or waiting for it as needed.
    pub fn wait(&self) -> Result<Value> {
        // Only a thread outside the worker pool may run the job here: on a pool worker the
        // job's waits could end up below a pending `join` of the same worker (deadlock).
        if rayon::current_thread_index().is_none() {
            self.run_if_pending();
        }
        let mut st = self.state.lock();
        loop {
            if let State::Done(r) = &*st {
                return r.clone();
            }
            self.finished.wait(&mut st);
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(&*self.state.lock(), State::Done(_))
    }
}
