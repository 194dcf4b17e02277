//! Introspection: DOT and Newick goldens (spec 7.5), counters, the trace, the work/span
//! report, and the command-line options (spec 6.2). Regenerate goldens with UPDATE_GOLDEN=1.

use physl::compile::tree::Node;
use physl::introspect::{critical, dot, newick, report, trace, ProfileOptions, Profiler, Tree};
use physl::{Engine, Value};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

fn golden(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/introspect")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        got, want,
        "golden {name} differs (UPDATE_GOLDEN=1 rewrites it)"
    );
}

fn tree_of(name: &str, src: &str) -> (Engine, physl::Program, Tree) {
    let engine = Engine::new();
    let program = engine.compile(name, src).unwrap();
    let tree = Tree::build(program.tree(), engine.sources(), name);
    (engine, program, tree)
}

/// Runs `src` with a profiler recording events.
fn profiled(name: &str, src: &str) -> (Engine, physl::Program, Tree, Arc<Profiler>, Value) {
    let (engine, program, tree) = tree_of(name, src);
    let p = Arc::new(Profiler::new(ProfileOptions { events: true }));
    let mut session = engine.session();
    session.set_profiler(Some(p.clone()));
    let v = session.run(&program).unwrap();
    (engine, program, tree, p, v)
}

#[test]
fn spec_example_newick_and_dot() {
    let (_, _, tree) = tree_of("demo", "block(define(x, 2), __mul(x, 3))");
    golden("demo.nwk", &(newick::newick(&tree) + "\n"));
    golden("demo.dot", &dot::dot(&tree, false, None));
}

#[test]
fn functions_loops_and_closures_golden() {
    let src = include_str!("introspect/functions.physl");
    let (_, _, tree) = tree_of("functions", src);
    golden("functions.nwk", &(newick::newick(&tree) + "\n"));
    golden("functions.dot", &dot::dot(&tree, false, None));
    // every access links to the variable or parameter it reads
    let names: Vec<String> = tree.nodes.iter().map(|n| n.instance_name()).collect();
    assert!(names
        .iter()
        .any(|n| n.starts_with("/phylanx$0/access-argument$0$v/")));
    assert!(names
        .iter()
        .any(|n| n.starts_with("/phylanx$0/function$0$scale/")));
}

#[test]
fn counters_count_evaluations() {
    let (engine, _, mut tree, p, v) =
        profiled("count", "define(i, 0)\nwhile(i < 10, store(i, i + 1))\ni");
    assert_eq!(v.to_string(), "10");
    let rows = report::rows(&mut tree, &p.nodes(), engine.sources());
    let count = |kind: &str| {
        rows.iter()
            .find(|r| r.node.kind == kind)
            .map(|r| r.stats.count)
            .unwrap_or(0)
    };
    assert_eq!(count("__lt"), 11);
    assert_eq!(count("store"), 10);
    assert_eq!(count("__add"), 10);
    assert_eq!(count("while"), 1);
    let lt = rows.iter().find(|r| r.node.kind == "__lt").unwrap();
    assert_eq!(lt.node.location(), "count:2:7");
    assert_eq!((lt.stats.inline, lt.stats.tasks), (11, 0));
    assert_eq!(lt.stats.bytes, 11, "one bool per comparison");
    let csv = report::csv(&rows);
    assert!(csv
        .starts_with("primitive_instance,display_name,count,time,eval_direct,transferred_bytes,"));
    assert!(csv.contains("\"/phylanx$0/__lt$0/0$2$7\",\"lt/L#0(2, 7)\",11,"));
    assert!(csv.ends_with("\n\n"));
}

#[test]
fn sequential_span_equals_work() {
    let src = include_str!("introspect/functions.physl");
    let (_, _, _, p, _) = profiled("functions", src);
    let events = p.events();
    assert!(events.len() > 20);
    let cp = critical::analyse(&events);
    assert!(cp.work > 0);
    assert_eq!(cp.span, cp.work);
    // every evaluation of a sequential run is on the critical path
    assert_eq!(cp.path.len(), events.len());
}

#[test]
fn dot_with_counters_renders_with_graphviz() {
    let src = include_str!("introspect/functions.physl");
    let (_, _, tree, p, _) = profiled("functions", src);
    let times: HashMap<usize, _> = p.nodes().iter().map(|r| (r.addr, r.stats)).collect();
    let text = dot::dot(&tree, true, Some(&times));
    assert!(text.contains("fillcolor="), "{text}");
    let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!("graphviz `dot` is not installed: rendering not checked");
        return;
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
}

/// Checks what Perfetto needs: well-formed, only complete and metadata events, per thread
/// start times that never go back and slices that nest.
fn check_trace(doc: &serde_json::Value) -> HashMap<u64, usize> {
    assert_eq!(doc["displayTimeUnit"], "ms");
    let events = doc["traceEvents"].as_array().expect("traceEvents");
    let mut open: HashMap<u64, Vec<f64>> = HashMap::new();
    let mut last: HashMap<u64, f64> = HashMap::new();
    let mut per_thread: HashMap<u64, usize> = HashMap::new();
    for e in events {
        let tid = e["tid"].as_u64().expect("tid");
        match e["ph"].as_str() {
            Some("M") => assert_eq!(e["name"], "thread_name"),
            Some("X") => {
                let ts = e["ts"].as_f64().expect("ts");
                let dur = e["dur"].as_f64().expect("dur");
                assert!(dur >= 0.0);
                assert!(e["name"].is_string() && e["cat"].is_string());
                assert!(e["args"]["instance"]
                    .as_str()
                    .unwrap()
                    .starts_with("/phylanx$0/"));
                assert!(e["args"]["inline"].is_boolean());
                assert!(e["args"]["location"].is_string());
                let prev = last.insert(tid, ts).unwrap_or(0.0);
                assert!(ts >= prev, "timestamps go back on thread {tid}");
                let stack = open.entry(tid).or_default();
                while stack
                    .last()
                    .is_some_and(|&end| end <= ts + 1e-6 && end < ts + dur + 1e-6 && end <= ts)
                {
                    stack.pop();
                }
                if let Some(&end) = stack.last() {
                    assert!(
                        ts + dur <= end + 1e-6,
                        "slice at {ts} crosses its parent's end"
                    );
                }
                stack.push(ts + dur);
                *per_thread.entry(tid).or_default() += 1;
            }
            other => panic!("unexpected event phase {other:?}"),
        }
    }
    per_thread
}

fn physl(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_physl"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tmp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("physl-introspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_string_lossy().into_owned()
}

const LRA: &[&str] = &[
    "examples/lra.physl",
    "examples/data/breast_cancer.csv",
    "0",
    "569",
    "0",
    "30",
    "30",
    "1e-5",
    "20",
    "0",
];

#[test]
fn lra_trace_validates() {
    let file = tmp("lra.json");
    let mut args = vec!["--trace", file.as_str()];
    args.extend_from_slice(LRA);
    let (code, _, err) = physl(&args);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let per_thread = check_trace(&doc);
    assert!(per_thread.values().sum::<usize>() > 20 * 10);
    let events = doc["traceEvents"].as_array().unwrap();
    let slice = |name: &str| {
        events
            .iter()
            .find(|e| e["name"].as_str().is_some_and(|n| n.starts_with(name)))
            .unwrap_or_else(|| panic!("a {name} slice"))
    };
    // the step's two products run inside the row pass (compile::rowpass): no dot slices
    slice("row-pass");
    let t = slice("transpose(");
    assert_eq!(t["cat"], "matrixops");
    assert_eq!(t["args"]["dtype"], "float64");
    assert_eq!(t["args"]["shape"], serde_json::json!([30, 569]));
}

#[test]
fn outputs_do_not_touch_stdout_and_each_dump_works_alone() {
    let code = "define(v, [1.0, 2.0, 3.0]) sum(v * v)";
    let plain = physl(&["-p", "--print-format", "json", "-c", code]);
    let (status, out, err) = physl(&[
        "--performance",
        "--critical-path",
        "-p",
        "--print-format",
        "json",
        "-c",
        code,
    ]);
    assert_eq!((status, out.as_str()), (plain.0, plain.1.as_str()));
    assert!(
        err.contains("performance counters:") && err.contains("<command_line>:1:"),
        "{err}"
    );
    assert!(err.contains("critical path: work"), "{err}");
    assert!(err.contains(", parallelism 1.00"), "{err}");

    let csv = tmp("alone.csv");
    assert_eq!(physl(&["--dump-counters", &csv, "-c", code]).0, 0);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains("\"/phylanx$0/sum$0/0$1$28\",\"sum/L#0(1, 28)\",1,"),
        "{text}"
    );

    let dot = tmp("alone.dot");
    assert_eq!(physl(&["--dump-dot", &dot, "-c", code]).0, 0);
    let text = std::fs::read_to_string(&dot).unwrap();
    assert!(text.starts_with("graph \"<command_line>\" {\n"), "{text}");
    assert!(
        !text.contains("fillcolor"),
        "no counters ran: no heat colours"
    );

    let nwk = tmp("alone.nwk");
    assert_eq!(physl(&["--dump-newick-tree", &nwk, "-c", code]).0, 0);
    let text = std::fs::read_to_string(&nwk).unwrap();
    assert!(text.ends_with(" <command_line>;\n"), "{text}");
}

#[test]
fn trace_is_written_after_an_error() {
    let file = tmp("error.json");
    let (code, _, err) = physl(&["--trace", &file, "-c", "define(a, [1, 2]) a + [1, 2, 3]"]);
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    check_trace(&doc);
    let failed = doc["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["args"]["result"] == "error");
    assert!(failed);
}

/// Two children that run concurrently as tasks, on a pool of two: the trace has slices on
/// two threads, and only one of the two is on the critical path.
#[test]
fn concurrent_tasks_on_two_threads() {
    let p = Profiler::new(ProfileOptions { events: true });
    let (parent, a, b) = (
        Node::constant(Value::Nil, Default::default()),
        Node::constant(Value::Nil, Default::default()),
        Node::constant(Value::Nil, Default::default()),
    );
    let barrier = std::sync::Barrier::new(2);
    let child = |node: &Node| {
        let e = p.enter();
        // both children wait here together, so they surely overlap on two threads
        barrier.wait();
        std::thread::sleep(std::time::Duration::from_millis(20));
        p.exit(e, node, &Ok(Value::Nil));
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        let e = p.enter();
        let origin = p.task_origin();
        rayon::join(
            || p.run_task(origin, || child(&a)),
            || p.run_task(origin, || child(&b)),
        );
        p.exit(e, &parent, &Ok(Value::Nil));
    });
    let events = p.events();
    assert_eq!(events.len(), 3);
    let root = events.iter().find(|e| e.parent == 0).unwrap();
    let kids: Vec<_> = events.iter().filter(|e| e.parent == root.id).collect();
    assert_eq!(kids.len(), 2);
    assert!(kids.iter().all(|k| !k.inline));
    assert_ne!(kids[0].thread, kids[1].thread);
    let cp = critical::analyse(&events);
    let on_path = kids.iter().filter(|k| cp.path.contains(&k.id)).count();
    assert_eq!(
        on_path, 1,
        "concurrent children: only the longer is on the path"
    );
    assert!(cp.span < cp.work);

    let mut tree = Tree::default();
    tree.name_others(&p.nodes(), &physl::syntax::span::SourceMap::new());
    let doc = trace::trace(&tree, &events);
    let per_thread = check_trace(&doc);
    assert!(per_thread.len() >= 2, "{per_thread:?}");
}

/// The X slices named `sum(...)` of a `--threads 2 --trace` run of `code`, as
/// (tid, inline). A pool may leave both children to one thread when the machine is busy
/// (the second worker is not scheduled before the first finishes), so the run is retried a
/// few times until the two land on two threads.
fn sums_on_two_threads(name: &str, code: &str) -> Vec<(u64, bool)> {
    let mut last = Vec::new();
    for attempt in 0..4 {
        let file = tmp(&format!("{name}-{attempt}.json"));
        let (status, out, err) = physl(&["--threads", "2", "--trace", &file, "-p", "-c", code]);
        assert_eq!(status, 0, "{err}");
        assert!(!out.is_empty());
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        check_trace(&doc);
        last = doc["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["ph"] == "X" && e["name"].as_str().is_some_and(|n| n.starts_with("sum(")))
            .map(|e| {
                (
                    e["tid"].as_u64().unwrap(),
                    e["args"]["inline"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(last.len(), 2, "one slice per long child: {last:?}");
        if last[0].0 != last[1].0 {
            return last;
        }
    }
    panic!("the two children never ran on two threads: {last:?}");
}

#[test]
fn parallel_block_children_are_tasks_on_two_threads() {
    let slices = sums_on_two_threads(
        "pblock",
        "parallel_block(sum(splitmix64(1, 3000000)), sum(splitmix64(2, 3000000)))",
    );
    assert!(slices.iter().any(|(_, inline)| !inline), "{slices:?}");
}

#[test]
fn parallel_map_calls_are_tasks_on_two_threads() {
    let slices = sums_on_two_threads(
        "pmap",
        "parallel_map(lambda(k, sum(splitmix64(k, 3000000))), list(1, 2))",
    );
    assert!(slices.iter().any(|(_, inline)| !inline), "{slices:?}");
}

#[test]
fn one_thread_runs_everything_inline() {
    let file = tmp("inline.json");
    let code = "parallel_map(lambda(k, sum(splitmix64(k, 1000))), list(1, 2))";
    let (status, _, err) = physl(&["--threads", "1", "--trace", &file, "-c", code]);
    assert_eq!(status, 0, "{err}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(check_trace(&doc).len(), 1, "one thread");
    let events = doc["traceEvents"].as_array().unwrap();
    assert!(events
        .iter()
        .filter(|e| e["ph"] == "X")
        .all(|e| e["args"]["inline"] == true));
}
