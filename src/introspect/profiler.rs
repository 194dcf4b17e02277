//! Recording of node evaluations: per-node counters and, when asked, one event per
//! evaluation (for the trace and the critical path).
//!
//! The evaluator calls [`Interp::eval_profiled`] instead of its plain evaluation only when a
//! profiler is installed, so a run without one pays a single predictable branch per node.
//!
//! Records go to shards picked by the worker's thread index; each worker locks only its own
//! shard, so the locks are uncontended and counters stay exact when nodes run on several
//! threads. Which evaluation is the parent of which is kept in a thread-local: the current
//! evaluation of this thread. A scheduler that moves a child's evaluation onto another
//! thread carries the parent over with [`Profiler::task_origin`] and [`Profiler::run_task`].

use crate::compile::tree::{Node, NodeKind};
use crate::diagnostics::Result;
use crate::runtime::frame::Frame;
use crate::runtime::Interp;
use crate::syntax::span::Span;
use crate::value::{DType, Value};
use parking_lot::Mutex;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Enough for any realistic pool; a thread index beyond shares a shard (still correct).
const SHARDS: usize = 64;

/// What to record.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProfileOptions {
    /// Keep one [`Event`] per evaluation (trace, critical path); counters alone need none.
    pub events: bool,
}

/// Counters of one node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeStats {
    pub count: u64,
    /// Inclusive time, ns.
    pub total_ns: u64,
    /// Time not spent in child evaluations on the same thread, ns.
    pub self_ns: u64,
    pub inline: u64,
    pub tasks: u64,
    /// Bytes of the numeric results produced (0 for lists, strings, functions).
    pub bytes: u64,
}

impl NodeStats {
    fn add(&mut self, o: &NodeStats) {
        self.count += o.count;
        self.total_ns += o.total_ns;
        self.self_ns += o.self_ns;
        self.inline += o.inline;
        self.tasks += o.tasks;
        self.bytes += o.bytes;
    }

    /// Phylanx's `eval_direct`: 1 if every evaluation ran inline, 0 if every one ran as a
    /// task, -1 when mixed or never run.
    pub fn eval_direct(&self) -> i32 {
        match (self.inline, self.tasks) {
            (i, 0) if i > 0 => 1,
            (0, t) if t > 0 => 0,
            _ => -1,
        }
    }
}

/// What the report needs of a node that the tree walk may not know (stdlib functions).
#[derive(Clone, Debug)]
pub struct NodeMeta {
    pub kind: String,
    pub family: &'static str,
    pub span: Span,
}

/// Counters of one node with its address (the node's identity while its program lives).
#[derive(Clone, Debug)]
pub struct NodeRecord {
    pub addr: usize,
    pub meta: NodeMeta,
    pub stats: NodeStats,
}

/// The result of one evaluation, for the trace's args.
#[derive(Clone, Debug, PartialEq)]
pub enum Produced {
    Numeric { dtype: DType, shape: Box<[usize]> },
    Other(&'static str),
    Error,
}

/// One evaluation.
#[derive(Clone, Debug)]
pub struct Event {
    /// Dense from 1 in the order evaluations started; a parent's id is below its children's.
    pub id: u64,
    /// Id of the evaluation this one ran for (0: a top-level evaluation).
    pub parent: u64,
    pub addr: usize,
    /// 0 for a thread outside the pool (the evaluator's own thread), rayon index + 1 else.
    pub thread: u32,
    /// ns since the profiler was created.
    pub start_ns: u64,
    pub end_ns: u64,
    pub inline: bool,
    pub produced: Produced,
}

#[derive(Default)]
struct Shard {
    nodes: HashMap<usize, (NodeMeta, NodeStats)>,
    events: Vec<Event>,
}

/// Records evaluations of one or more runs; `Sync`, shared by all workers of a run.
pub struct Profiler {
    options: ProfileOptions,
    origin: Instant,
    next_id: AtomicU64,
    shards: Box<[Mutex<Shard>]>,
}

/// Per-thread state: which profiler it belongs to (by address), the evaluation running on
/// this thread, the time its children took so far, and whether the next evaluation is a
/// task's root.
#[derive(Clone, Copy)]
struct Tls {
    owner: usize,
    current: u64,
    child_ns: u64,
    task: bool,
}

const NO_TLS: Tls = Tls {
    owner: 0,
    current: 0,
    child_ns: 0,
    task: false,
};

thread_local! {
    static TLS: Cell<Tls> = const { Cell::new(NO_TLS) };
}

/// Where a task was spawned from: made on the spawning thread, used on the task's thread.
#[derive(Clone, Copy, Debug)]
pub struct TaskOrigin {
    owner: usize,
    parent: u64,
}

/// An evaluation in progress (returned by [`Profiler::enter`]).
pub struct Entry {
    id: u64,
    parent: u64,
    inline: bool,
    start: Instant,
    saved: Tls,
}

fn thread_index() -> u32 {
    rayon::current_thread_index().map_or(0, |i| i as u32 + 1)
}

fn produced(v: &Result<Value>) -> (Produced, u64) {
    match v {
        Ok(v) => match (v.dtype(), v.shape()) {
            (Some(dtype), Some(shape)) => {
                let n: usize = shape.iter().product();
                let item = if dtype == DType::Bool { 1 } else { 8 };
                (
                    Produced::Numeric {
                        dtype,
                        shape: shape.into(),
                    },
                    (n * item) as u64,
                )
            }
            _ => (Produced::Other(v.kind_name()), 0),
        },
        Err(_) => (Produced::Error, 0),
    }
}

impl Default for Profiler {
    fn default() -> Self {
        Profiler::new(ProfileOptions::default())
    }
}

impl Profiler {
    pub fn new(options: ProfileOptions) -> Profiler {
        Profiler {
            options,
            origin: Instant::now(),
            next_id: AtomicU64::new(1),
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
        }
    }

    pub fn options(&self) -> ProfileOptions {
        self.options
    }

    fn owner(&self) -> usize {
        self as *const Profiler as usize
    }

    /// Starts recording an evaluation of a node on this thread.
    pub fn enter(&self) -> Entry {
        let saved = TLS.with(|t| t.get());
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        // A thread-local left by another profiler (tests run sessions side by side on the
        // same pool) says nothing about this run: start a new root then.
        let (parent, inline) = if saved.owner == self.owner() {
            (saved.current, !saved.task)
        } else {
            (0, true)
        };
        TLS.with(|t| {
            t.set(Tls {
                owner: self.owner(),
                current: id,
                child_ns: 0,
                task: false,
            })
        });
        Entry {
            id,
            parent,
            inline,
            start: Instant::now(),
            saved,
        }
    }

    /// Finishes an evaluation started with [`Profiler::enter`].
    pub fn exit(&self, entry: Entry, node: &Node, result: &Result<Value>) {
        let end = Instant::now();
        let dur = end.duration_since(entry.start).as_nanos() as u64;
        let children = TLS.with(|t| t.get().child_ns);
        let mut restored = entry.saved;
        if restored.owner == self.owner() {
            restored.child_ns += dur;
            restored.task = false;
        }
        TLS.with(|t| t.set(restored));

        let (what, bytes) = produced(result);
        let thread = thread_index();
        let addr = node as *const Node as usize;
        let mut shard = self.shards[thread as usize % SHARDS].lock();
        let stats = &mut shard
            .nodes
            .entry(addr)
            .or_insert_with(|| (meta_of(node), NodeStats::default()))
            .1;
        stats.count += 1;
        stats.total_ns += dur;
        stats.self_ns += dur.saturating_sub(children);
        if entry.inline {
            stats.inline += 1;
        } else {
            stats.tasks += 1;
        }
        stats.bytes += bytes;
        if self.options.events {
            let start_ns = entry.start.duration_since(self.origin).as_nanos() as u64;
            shard.events.push(Event {
                id: entry.id,
                parent: entry.parent,
                addr,
                thread,
                start_ns,
                end_ns: start_ns + dur,
                inline: entry.inline,
                produced: what,
            });
        }
    }

    /// For a scheduler: call on the thread that spawns a task for a child evaluation.
    pub fn task_origin(&self) -> TaskOrigin {
        let t = TLS.with(|t| t.get());
        TaskOrigin {
            owner: self.owner(),
            parent: if t.owner == self.owner() {
                t.current
            } else {
                0
            },
        }
    }

    /// For a scheduler: runs `f` (which evaluates one node) as the task spawned at
    /// `origin`; that evaluation counts as a task and as a child of the spawning one.
    pub fn run_task<R>(&self, origin: TaskOrigin, f: impl FnOnce() -> R) -> R {
        let saved = TLS.with(|t| t.get());
        TLS.with(|t| {
            t.set(Tls {
                owner: origin.owner,
                current: origin.parent,
                child_ns: 0,
                task: true,
            })
        });
        let r = f();
        TLS.with(|t| t.set(saved));
        r
    }

    /// Counters of every node that ran, merged over the shards.
    pub fn nodes(&self) -> Vec<NodeRecord> {
        let mut merged: HashMap<usize, (NodeMeta, NodeStats)> = HashMap::new();
        for shard in self.shards.iter() {
            for (addr, (meta, stats)) in shard.lock().nodes.iter() {
                merged
                    .entry(*addr)
                    .or_insert_with(|| (meta.clone(), NodeStats::default()))
                    .1
                    .add(stats);
            }
        }
        merged
            .into_iter()
            .map(|(addr, (meta, stats))| NodeRecord { addr, meta, stats })
            .collect()
    }

    /// Every recorded evaluation, ordered by id (empty unless `events` was set).
    pub fn events(&self) -> Vec<Event> {
        let mut all: Vec<Event> = self
            .shards
            .iter()
            .flat_map(|s| s.lock().events.clone())
            .collect();
        all.sort_by_key(|e| e.id);
        all
    }
}

/// Kind, family and span of a node, for the report of nodes outside the walked tree.
pub fn meta_of(node: &Node) -> NodeMeta {
    let family = match &node.kind {
        NodeKind::Prim { prim, .. } | NodeKind::Binary { prim, .. } => prim.family.name(),
        _ => "core",
    };
    NodeMeta {
        kind: node.kind_name().to_string(),
        family,
        span: node.span,
    }
}

impl Interp<'_> {
    /// [`Interp::eval`] with a profiler installed: times the node around the real
    /// evaluation.
    #[cold]
    #[inline(never)]
    pub(crate) fn eval_profiled(&self, p: &Profiler, node: &Node, frame: &Frame) -> Result<Value> {
        // literals are not nodes in Phylanx's tree (spec 7.1): nothing to count
        if let NodeKind::Const(v) = &node.kind {
            return Ok(v.clone());
        }
        let entry = p.enter();
        let result = self.eval_node(node, frame);
        p.exit(entry, node, &result);
        result
    }

    /// For a scheduler: where a task evaluating a child of the current node comes from
    /// (`None` when not profiling). Call on the spawning thread.
    pub fn task_origin(&self) -> Option<TaskOrigin> {
        self.profiler.map(Profiler::task_origin)
    }

    /// For a scheduler: evaluates `node` inside a task spawned at `origin`, so counters
    /// and the trace show it ran as a task.
    pub fn eval_as_task(
        &self,
        origin: Option<TaskOrigin>,
        node: &Node,
        frame: &Frame,
    ) -> Result<Value> {
        match (self.profiler, origin) {
            (Some(p), Some(o)) => p.run_task(o, || self.eval(node, frame)),
            _ => self.eval(node, frame),
        }
    }
}
