//! The scheduler: which children of a node run as rayon tasks and which inline (spec 7.3).
//!
//! Rules that keep results independent of scheduling (spec 2.12):
//! - Children of an ordinary node run concurrently only when every one of them is
//!   effect-free ([`NodeEffects::is_pure`], decided by the compiler): no store, no IO, no
//!   random draw, no call of a function value. Anything else evaluates left to right on the
//!   current thread.
//! - The statements of a `parallel_block` may write (distinct) variables, draw random numbers
//!   and call functions; the compiler has rejected read/write conflicts between them, and
//!   each statement that may draw random numbers gets its own generator, split off the
//!   parent's in program order whatever the thread count.
//! - When several children fail, the leftmost error is reported, as in a sequential run.
//!
//! The inline-versus-task decision is Phylanx's (spec 7.3): every node keeps its evaluation
//! count and time; after [`WARMUP_EVALS`] timed evaluations its mean decides (with
//! hysteresis) whether it is worth a task. Timing stops once a node is classified, so a
//! classified node costs one relaxed load per evaluation.

use super::frame::Frame;
use super::Interp;
use crate::compile::tree::Node;
use crate::diagnostics::Result;
use crate::kernels::random::Generator;
use crate::primitives::Args;
use crate::value::Value;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::time::Instant;

/// Timed evaluations before a node is classified (Phylanx: `eval_count_threshold` = 5).
pub const WARMUP_EVALS: u32 = 5;

/// A node whose mean evaluation time is above this runs as a task. Measured on the
/// project's 2-core machine (benches/runtime.rs, `task vs inline`): spawning a child with
/// `rayon::join` and having it stolen costs about 2–6 µs, so below ~20 µs of work a task
/// loses more than it gains. Phylanx's defaults (0.35 / 0.5 ms) were tuned for HPX threads,
/// which cost far more. Override with `PHYSL_TASK_THRESHOLD_US`.
pub const DEFAULT_TASK_UPPER_NS: u64 = 40_000;
/// Below this mean a node runs inline; between the two it stays undecided (hysteresis).
pub const DEFAULT_TASK_LOWER_NS: u64 = 25_000;

const UNDECIDED: u8 = 0;
const INLINE: u8 = 1;
const TASK: u8 = 2;

fn thresholds() -> (u64, u64) {
    static T: std::sync::OnceLock<(u64, u64)> = std::sync::OnceLock::new();
    *T.get_or_init(|| {
        match std::env::var("PHYSL_TASK_THRESHOLD_US")
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
        {
            Some(us) => {
                let upper = (us * 1000.0) as u64;
                (upper, upper * 5 / 8)
            }
            None => (DEFAULT_TASK_UPPER_NS, DEFAULT_TASK_LOWER_NS),
        }
    })
}

/// Per-node scheduling state (lives in the node; the tree is shared by all threads).
#[derive(Debug, Default)]
pub struct NodeSched {
    /// Set by the compiler: the node's children may run concurrently ([`may_fork`]).
    pub fork: bool,
    evals: AtomicU32,
    total_ns: AtomicU64,
    decision: AtomicU8,
}

impl NodeSched {
    pub fn new(fork: bool) -> NodeSched {
        NodeSched {
            fork,
            ..Default::default()
        }
    }

    fn decision(&self) -> u8 {
        self.decision.load(Ordering::Relaxed)
    }

    /// Adds one timed evaluation and classifies the node once warm. Races between threads
    /// only blur the mean, never a result.
    fn record(&self, ns: u64) {
        let evals = self.evals.load(Ordering::Relaxed) + 1;
        let total = self.total_ns.load(Ordering::Relaxed) + ns;
        self.evals.store(evals, Ordering::Relaxed);
        self.total_ns.store(total, Ordering::Relaxed);
        if evals >= WARMUP_EVALS {
            let mean = total / u64::from(evals);
            let (upper, lower) = thresholds();
            if mean > upper {
                self.decision.store(TASK, Ordering::Relaxed);
            } else if mean < lower {
                self.decision.store(INLINE, Ordering::Relaxed);
            }
        }
    }

    /// (evaluations timed, mean ns, decision as Phylanx's `eval_direct`: 1 inline, 0 task,
    /// -1 undecided) for introspection.
    pub fn snapshot(&self) -> (u32, u64, i8) {
        let evals = self.evals.load(Ordering::Relaxed);
        let total = self.total_ns.load(Ordering::Relaxed);
        let direct = match self.decision() {
            INLINE => 1,
            TASK => 0,
            _ => -1,
        };
        (evals, total / u64::from(evals.max(1)), direct)
    }
}

/// True if a node's children may be evaluated concurrently: at least two of them do real
/// work and none has an effect.
pub fn may_fork(children: &[&Node]) -> bool {
    children.len() >= 2
        && children.iter().all(|c| c.effects.is_pure())
        && children.iter().filter(|c| !c.is_trivial()).count() >= 2
}

/// How to run each child this time.
enum Plan {
    /// Everything here, in order (timing the undecided children).
    Sequential,
    /// Spawn the children marked `true`.
    Fork(smallvec::SmallVec<[bool; 8]>),
}

/// Children classified as tasks, and undecided ones (Phylanx's default for an undecided node
/// is a task, spec 7.3), are spawned when at least one other child does real work beside
/// them; cheap children and lone heavy ones run here.
fn plan(children: &[&Node]) -> Plan {
    if !super::executor::pool_can_fork() {
        return Plan::Sequential;
    }
    let spawn: smallvec::SmallVec<[bool; 8]> = children
        .iter()
        .map(|c| !c.is_trivial() && c.sched.decision() != INLINE)
        .collect();
    let heavy = spawn.iter().filter(|s| **s).count();
    let others = children
        .iter()
        .zip(&spawn)
        .filter(|(c, s)| !**s && !c.is_trivial())
        .count();
    if heavy >= 2 || (heavy == 1 && others >= 1) {
        Plan::Fork(spawn)
    } else {
        Plan::Sequential
    }
}

fn needs_measure(c: &Node) -> bool {
    !c.is_trivial() && c.sched.decision() == UNDECIDED
}

impl Interp<'_> {
    /// Evaluates a node's children, concurrently where that is safe and worth it.
    pub(super) fn eval_children(&self, children: &[&Node], frame: &Frame) -> Result<Args> {
        let mut out = Args::with_capacity(children.len());
        match plan(children) {
            Plan::Sequential => {
                for c in children {
                    out.push(self.eval_timed(c, frame)?);
                }
            }
            Plan::Fork(spawn) => {
                let results = self.fork_join(children, &spawn, frame, None);
                for r in results {
                    out.push(r?);
                }
            }
        }
        Ok(out)
    }

    fn eval_timed(&self, c: &Node, frame: &Frame) -> Result<Value> {
        if !needs_measure(c) {
            return self.eval(c, frame);
        }
        let start = Instant::now();
        let v = self.eval(c, frame);
        c.sched.record(start.elapsed().as_nanos() as u64);
        v
    }

    /// Runs the children marked in `spawn` as tasks and the others here, in order; returns
    /// every child's result (the caller reports the leftmost error). `rngs[i]`, when given,
    /// is child `i`'s own generator.
    fn fork_join(
        &self,
        children: &[&Node],
        spawn: &[bool],
        frame: &Frame,
        rngs: Option<&[Option<Mutex<Generator>>]>,
    ) -> Vec<Result<Value>> {
        let mut results: Vec<Result<Value>> = (0..children.len()).map(|_| Ok(Value::Nil)).collect();
        let rng_of = |i: usize| rngs.and_then(|r| r.get(i)).and_then(|g| g.as_ref());
        let origin = self.task_origin();
        rayon::in_place_scope(|scope| {
            let mut inline = Vec::new();
            for (i, (slot, child)) in results.iter_mut().zip(children).enumerate() {
                let rng = rng_of(i);
                if spawn.get(i).copied().unwrap_or(false) {
                    scope.spawn(move |_| {
                        let task = self.fork(rng);
                        let start = needs_measure(child).then(Instant::now);
                        *slot = task.eval_as_task(origin, child, frame);
                        if let Some(start) = start {
                            child.sched.record(start.elapsed().as_nanos() as u64);
                        }
                    });
                } else {
                    inline.push((slot, *child, rng));
                }
            }
            for (slot, child, rng) in inline {
                *slot = match rng {
                    Some(g) => self.fork(Some(g)).eval_timed(child, frame),
                    None => self.eval_timed(child, frame),
                };
            }
        });
        results
    }

    /// `parallel_block`: statements may run concurrently; yields the last one's value.
    pub(super) fn eval_parallel_block(&self, stmts: &[Node], frame: &Frame) -> Result<Value> {
        let children: smallvec::SmallVec<[&Node; 8]> = stmts.iter().collect();
        // Generators are split in program order for every statement that may draw, whatever
        // the thread count and the decisions, so random numbers never depend on them.
        let rngs: Option<Vec<Option<Mutex<Generator>>>> = if stmts.iter().any(draws_random) {
            let mut parent = self.rng.lock();
            Some(
                stmts
                    .iter()
                    .map(|s| draws_random(s).then(|| Mutex::new(parent.split())))
                    .collect(),
            )
        } else {
            None
        };
        let results = match plan(&children) {
            Plan::Fork(spawn) => self.fork_join(&children, &spawn, frame, rngs.as_deref()),
            Plan::Sequential => {
                let mut out = Vec::with_capacity(stmts.len());
                for (i, s) in stmts.iter().enumerate() {
                    let rng = rngs.as_ref().and_then(|r| r[i].as_ref());
                    let r = match rng {
                        Some(g) => self.fork(Some(g)).eval_timed(s, frame),
                        None => self.eval_timed(s, frame),
                    };
                    // sequentially, the first error stops the block
                    let failed = r.is_err();
                    out.push(r);
                    if failed {
                        break;
                    }
                }
                out
            }
        };
        let mut last = Value::Nil;
        for r in results {
            last = r?;
        }
        Ok(last)
    }

    /// `parallel_map` and friends: calls `f` once per argument list, concurrently when the
    /// pool has several threads; results keep the input order. Each call gets its own
    /// generator, split off in input order.
    pub(super) fn call_each(&self, f: &Value, calls: Vec<Args>) -> Result<Vec<Value>> {
        use rayon::prelude::*;
        let rngs: Vec<Mutex<Generator>> = {
            let mut parent = self.rng.lock();
            calls.iter().map(|_| Mutex::new(parent.split())).collect()
        };
        let results: Vec<Result<Value>> = if super::executor::pool_can_fork() && calls.len() > 1 {
            // each call is a task: the profiler marks its evaluations `inline: false`
            let origin = self.task_origin();
            calls
                .into_par_iter()
                .zip(rngs.par_iter())
                .with_max_len(1)
                .map(|(args, g)| {
                    let call = || crate::primitives::Context::call(&self.fork(Some(g)), f, args);
                    match (self.profiler, origin) {
                        (Some(p), Some(o)) => p.run_task(o, call),
                        _ => call(),
                    }
                })
                .collect()
        } else {
            calls
                .into_iter()
                .zip(&rngs)
                .map(|(args, g)| crate::primitives::Context::call(&self.fork(Some(g)), f, args))
                .collect()
        };
        results.into_iter().collect()
    }
}

/// True if evaluating `n` may draw random numbers (directly or through a call).
fn draws_random(n: &Node) -> bool {
    use crate::compile::tree::NodeEffects;
    n.effects
        .intersects(NodeEffects::RANDOM.union(NodeEffects::CALLS))
}
