//! Where `async(expr)` runs: a small set of plain threads, outside the worker pool, taking
//! futures first in, first out.
//!
//! Why not the worker pool: a rayon worker that waits for a `join` (a parallel kernel, a
//! forked child) executes other pool jobs meanwhile. If such a job blocks on a future whose
//! computation sits further down the same worker's stack, neither can ever finish (this hung
//! `tests/concurrency.rs` on 3 and 8 threads). Rayon cannot suspend a job, so futures stay
//! off the pool:
//!
//! - a future's body runs on an executor thread (or on a waiting thread that is not a pool
//!   worker, see [`Future::wait`]); inside it, the scheduler runs children in order
//!   ([`pool_can_fork`] is false off the pool), and only its kernels use rayon, whose jobs are
//!   pure arithmetic that never waits for anything;
//! - a pool worker that needs a future's value blocks until an executor thread (or the
//!   future's creator chain) has computed it. That wait always ends: a future only waits for
//!   futures visible when it was created or created by itself, so the wait-for graph has no
//!   cycle, and executor threads take futures in creation order and run a still-pending one
//!   themselves when they wait for it.
//!
//! The number of executor threads grows on demand up to the largest pool size seen, so
//! `--threads N` bounds the futures computed at once.

use crate::value::future::Future;
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::sync::Arc;

// stack of an executor thread: the same as a pool worker's (deep recursion inside a future
// must end in the depth-limit error, not a stack overflow), which is also the size
// `stack::mark_big_stack_thread` assumes
use super::stack::EVAL_STACK as EXECUTOR_STACK;

struct Executor {
    state: Mutex<ExecState>,
    work: Condvar,
}

struct ExecState {
    queue: VecDeque<Arc<Future>>,
    threads: usize,
    idle: usize,
}

static EXECUTOR: Executor = Executor {
    state: Mutex::new(ExecState {
        queue: VecDeque::new(),
        threads: 0,
        idle: 0,
    }),
    work: Condvar::new(),
};

thread_local! {
    /// Set on the threads of physl's own worker pools (their start handler).
    static POOL_WORKER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the current thread as a worker of one of physl's pools.
pub fn mark_pool_worker() {
    POOL_WORKER.with(|w| w.set(true));
}

/// True when the current thread may fork children as rayon tasks: it is a worker of one of
/// physl's pools with more than one thread. Executor threads and other threads (including
/// the workers of an embedder's own rayon pools, from which `Session::call` may run) run
/// children in order: their rayon calls land in a pool that must only ever see pure kernel
/// jobs, on threads without the evaluator's stack.
pub fn pool_can_fork() -> bool {
    POOL_WORKER.with(std::cell::Cell::get) && rayon::current_num_threads() > 1
}

/// Queues `future` for an executor thread; `max_threads` is the size of the pool of the run
/// that created it (the executor grows to at most the largest such size).
pub fn submit(future: Arc<Future>, max_threads: usize) {
    let mut st = EXECUTOR.state.lock();
    st.queue.push_back(future);
    if st.idle > 0 {
        drop(st);
        EXECUTOR.work.notify_one();
        return;
    }
    if st.threads < max_threads.max(1) {
        let index = st.threads;
        let started = std::thread::Builder::new()
            .name(format!("physl-async-{index}"))
            .stack_size(EXECUTOR_STACK)
            .spawn(work_loop);
        match started {
            Ok(_) => st.threads += 1,
            Err(_) if st.threads == 0 => {
                // no thread at all: compute it here and now, so no waiter can hang
                let queued: Vec<_> = st.queue.drain(..).collect();
                drop(st);
                for f in queued {
                    f.run_if_pending();
                }
            }
            // the existing threads will get to it
            Err(_) => {}
        }
    }
}

fn work_loop() {
    super::stack::mark_big_stack_thread();
    loop {
        let next = {
            let mut st = EXECUTOR.state.lock();
            loop {
                if let Some(f) = st.queue.pop_front() {
                    break f;
                }
                st.idle += 1;
                EXECUTOR.work.wait(&mut st);
                st.idle -= 1;
            }
        };
        // a waiter off the pool may have run it already: then this does nothing
        next.run_if_pending();
    }
}
