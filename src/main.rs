//! The `physl` command line (spec 2.10, 2.11, 6). Thin: everything goes through the library.

mod repl;

use clap::Parser;
use physl::{Engine, Error, ErrorKind, Limits, PrintFormat, StdHost, Value};
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

/// Recycles freed buffers of 1 MiB and more (see `physl::alloc`): a loop over big arrays
/// reuses mapped pages instead of paying mmap and page zeroing for every result.
#[global_allocator]
static GLOBAL: physl::alloc::Recycling = physl::alloc::Recycling::new(std::alloc::System);

#[derive(Parser, Debug)]
#[command(
    name = "physl",
    version,
    about = "PhySL, the array language of Phylanx",
    long_about = "Runs a PhySL script: physl [options] FILE [args...]. Options come before the \
                  script; everything after it is passed to the program as sys_argv (an \
                  argument that parses as a PhySL literal becomes that value, anything else a \
                  string).",
    after_help = "Exit status: 0 success, 1 program error, 2 command-line misuse, 130 interrupted."
)]
struct Cli {
    /// Run CODE instead of a script file (all positional arguments go to sys_argv)
    #[arg(short = 'c', long = "code", value_name = "CODE")]
    code: Option<String>,

    /// Print the program's value after the run, to stdout or (as --print=FILE / -pFILE) to FILE
    #[arg(short = 'p', long = "print", value_name = "FILE", num_args = 0..=1,
          require_equals = true, default_missing_value = "-")]
    print: Option<String>,

    /// Format of the printed value: plain, physl or json
    #[arg(long = "print-format", value_name = "FMT", default_value = "plain")]
    print_format: String,

    /// Print the parsed program in canonical form (`PhySL Code:` header) to stdout
    #[arg(long = "print-code")]
    print_code: bool,

    /// Write the parsed program in canonical form to FILE
    #[arg(long = "dump-code", value_name = "FILE")]
    dump_code: Option<String>,

    /// Write the program's AST as JSON to FILE (default: the script name with extension .ast)
    #[arg(short = 'd', long = "dump-ast", value_name = "FILE", num_args = 0..=1,
          require_equals = true, default_missing_value = "")]
    dump_ast: Option<String>,

    /// Load the program's AST from a --dump-ast FILE instead of parsing a script (all
    /// positional arguments go to sys_argv)
    #[arg(
        short = 'l',
        long = "load-ast",
        value_name = "FILE",
        conflicts_with = "code"
    )]
    load_ast: Option<String>,

    /// Apply the rewrite rules (`pattern : replacement`) in FILE before compiling; repeatable,
    /// files apply in order
    #[arg(short = 't', long = "transform", value_name = "FILE")]
    transform: Vec<String>,

    /// Do not look at the PHYSL_IR environment variable
    #[arg(short = 'e', long = "no-ast-env")]
    no_ast_env: bool,

    /// Parse and compile, but do not run the program (the printed value is nil)
    #[arg(long = "dry-run")]
    dry_run: bool,

    /// Print the run time (compilation excluded) on stderr
    #[arg(long = "time")]
    time: bool,

    /// Print the catalog of primitives and stdlib functions and exit
    #[arg(long = "docs")]
    docs: bool,

    /// Print the catalog as JSON (primitives, stdlib, special forms, constants) and exit
    #[arg(long = "docs-json")]
    docs_json: bool,

    /// Deepest nesting of user-function calls before a physl::limit error
    #[arg(long = "max-depth", value_name = "N", default_value_t = 10_000)]
    max_depth: u32,

    /// Largest array allocation in bytes (suffixes K, M, G allowed); default: the machine's memory
    #[arg(long = "max-memory", value_name = "BYTES")]
    max_memory: Option<String>,

    /// Print the performance counters of every node, by total time, on stderr
    #[arg(long = "performance")]
    performance: bool,

    /// Write the performance counters as CSV to FILE
    #[arg(long = "dump-counters", value_name = "FILE")]
    dump_counters: Option<String>,

    /// Write the execution tree as a Graphviz graph to FILE (with times when counters ran)
    #[arg(long = "dump-dot", value_name = "FILE")]
    dump_dot: Option<String>,

    /// Write the execution tree in Newick format to FILE
    #[arg(long = "dump-newick-tree", value_name = "FILE")]
    dump_newick_tree: Option<String>,

    /// Write a Chrome trace-event JSON of every node evaluation to FILE (open in Perfetto)
    #[arg(long = "trace", value_name = "FILE")]
    trace: Option<String>,

    /// Print work, span, parallelism and the nodes on the critical path on stderr
    #[arg(long = "critical-path")]
    critical_path: bool,

    /// Seed of the random generator (default: PHYSL_SEED, else a seed from the OS)
    #[arg(long = "seed", value_name = "N")]
    seed: Option<u64>,

    /// Worker threads for concurrent evaluation and parallel kernels (default: PHYSL_THREADS,
    /// else all cores); results do not depend on it
    #[arg(long = "threads", visible_alias = "hpx:threads", value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,

    /// The script (`-` reads it from stdin), then the program's arguments
    #[arg(
        value_name = "FILE [ARGS]",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    args: Vec<String>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // Everything — parsing, running, printing and dropping deeply nested values — happens on
    // a thread with a large stack, so no input can overflow the main thread's 8 MB.
    physl::runtime::session::on_big_stack(|| run(cli))
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("physl: {msg}");
    eprintln!("usage: physl [options] FILE [args...]   (physl --help for the options)");
    ExitCode::from(2)
}

fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last()? {
        (i, 'k' | 'K') => (&s[..i], 1u64 << 10),
        (i, 'm' | 'M') => (&s[..i], 1 << 20),
        (i, 'g' | 'G') => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    num.trim().parse::<u64>().ok()?.checked_mul(mult)
}

fn run(cli: Cli) -> ExitCode {
    if cli.docs {
        let docs = physl::primitives::registry::docs() + &physl::stdlib::docs();
        let _ = std::io::stdout().lock().write_all(docs.as_bytes());
        return ExitCode::SUCCESS;
    }
    if cli.docs_json {
        let _ = std::io::stdout().lock().write_all(docs_json().as_bytes());
        return ExitCode::SUCCESS;
    }
    let Some(format) = PrintFormat::parse(&cli.print_format) else {
        return usage(&format!(
            "unknown print format `{}` (expected plain, physl or json)",
            cli.print_format
        ));
    };
    if let Some(m) = &cli.max_memory {
        match parse_bytes(m) {
            Some(b) if b > 0 => physl::value::set_max_bytes(b),
            _ => return usage(&format!("--max-memory: `{m}` is not a byte count")),
        }
    }
    // the cache holds at most a quarter of the memory arrays may use, and 1 GiB
    let quarter = usize::try_from(physl::value::max_bytes() / 4).unwrap_or(usize::MAX);
    GLOBAL.set_cap(quarter.min(physl::alloc::DEFAULT_CAP));
    if std::env::var_os("PHYSL_IR").is_some() && !cli.no_ast_env {
        return usage(
            "PHYSL_IR is not supported; pass the script, --code or --load-ast FILE \
             (or -e to ignore PHYSL_IR)",
        );
    }

    // The program source and its arguments.
    let mut args = cli.args.clone();
    let (name, text) = if cli.load_ast.is_some() {
        (String::new(), String::new())
    } else if let Some(code) = &cli.code {
        ("<command_line>".to_string(), code.clone())
    } else if !args.is_empty() {
        let file = args.remove(0);
        if file == "-" {
            match read_stdin() {
                Ok(t) => ("<stdin>".to_string(), t),
                Err(e) => return usage(&format!("cannot read the program from stdin: {e}")),
            }
        } else {
            match std::fs::read(&file) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(t) => (file, t),
                    Err(_) => return usage(&format!("{file}: the script is not valid UTF-8")),
                },
                Err(e) => return usage(&format!("cannot read the script `{file}`: {e}")),
            }
        }
    } else if !std::io::stdin().is_terminal() {
        match read_stdin() {
            Ok(t) => ("<stdin>".to_string(), t),
            Err(e) => return usage(&format!("cannot read the program from stdin: {e}")),
        }
    } else {
        let engine = Engine::with_limits(Limits {
            max_depth: cli.max_depth,
            ..Limits::default()
        })
        .threads(cli.threads.unwrap_or(0) as usize);
        let argv = args
            .iter()
            .map(|a| physl::runtime::session::argv_value(a))
            .collect();
        let opts = repl::Options {
            format,
            seed: cli.seed,
            argv,
        };
        return repl::run(engine, opts);
    };

    let engine = Engine::with_limits(Limits {
        max_depth: cli.max_depth,
        ..Limits::default()
    })
    .threads(cli.threads.unwrap_or(0) as usize);
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let report = |e: &Error| {
        let width = 100;
        let text = e.render(engine.sources(), color, width);
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    };

    let parsed = match &cli.load_ast {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(json) => engine.load_ast(path, &json),
            Err(e) => return usage(&format!("cannot read the AST dump `{path}`: {e}")),
        },
        None => engine.parse(&name, &text),
    };
    let mut exprs = match parsed {
        Ok(e) => e,
        Err(e) => {
            report(&e);
            return exit_for(&e);
        }
    };
    for path in &cli.transform {
        let rules = match std::fs::read_to_string(path) {
            Ok(t) => physl::syntax::transform::load_rules(path, &t, engine.sources()),
            Err(e) => return usage(&format!("cannot read the rules file `{path}`: {e}")),
        };
        match rules.and_then(|r| physl::syntax::transform::apply(exprs, &r)) {
            Ok(e) => exprs = e,
            Err(e) => {
                report(&e);
                return exit_for(&e);
            }
        }
    }
    if let Some(target) = &cli.dump_ast {
        let path = match target.as_str() {
            // no script file to name the dump after (--code, stdin, --load-ast)
            "" if name.is_empty() || name.starts_with('<') => {
                return usage("--dump-ast needs a file name here: --dump-ast=FILE (or -dFILE)")
            }
            "" => std::path::Path::new(&name)
                .with_extension("ast")
                .display()
                .to_string(),
            p => p.to_string(),
        };
        if let Err(e) = std::fs::write(&path, engine.dump_ast(&exprs)) {
            return usage(&format!("cannot write `{path}`: {e}"));
        }
    }
    if cli.print_code || cli.dump_code.is_some() {
        let code = physl::runtime::session::on_big_stack(|| physl::syntax::print_program(&exprs));
        if cli.print_code {
            let out = format!("PhySL Code:\n{code}\n\n");
            if std::io::stdout().lock().write_all(out.as_bytes()).is_err() {
                return ExitCode::SUCCESS;
            }
        }
        if let Some(path) = &cli.dump_code {
            if let Err(e) = std::fs::write(path, &code) {
                return usage(&format!("cannot write `{path}`: {e}"));
            }
        }
    }
    let program = match engine.compile_ast(&exprs) {
        Ok(p) => p,
        Err(e) => {
            report(&e);
            return exit_for(&e);
        }
    };

    let argv: Vec<Value> = args
        .iter()
        .map(|a| physl::runtime::session::argv_value(a))
        .collect();
    let host = Arc::new(StdHost::new());
    let mut session = engine.session();
    session.set_host(host.clone());
    session.set_argv(argv.clone());
    if let Some(seed) = cli.seed {
        session.set_seed(seed);
    }

    let profiler = introspection_profiler(&cli);
    session.set_profiler(profiler.clone());

    let start = std::time::Instant::now();
    let result = if cli.dry_run {
        Ok(Value::Nil)
    } else {
        session.run(&program).and_then(|v| match v {
            // a program whose value is a function is called with sys_argv (spec 2.10)
            Value::Func(_) => session.call(&v, argv),
            v => Ok(v),
        })
    };
    let elapsed = start.elapsed();
    // written also after an error: a trace of a failing run is what one wants to look at
    let dumped = write_introspection(&cli, &engine, &program, &name, profiler.as_deref());
    if host.stdout_closed() {
        return ExitCode::SUCCESS;
    }
    let value = match result {
        Ok(v) => v,
        Err(e) => {
            report(&e);
            return exit_for(&e);
        }
    };
    if let Err(msg) = dumped {
        return usage(&msg);
    }
    if cli.time {
        eprintln!("Elapsed time: {} [s]", elapsed.as_secs_f64());
    }
    if let Some(target) = &cli.print {
        let text = format!("{}\n", format.render(&value));
        if target == "-" {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .is_err()
            {
                return ExitCode::SUCCESS;
            }
        } else if let Err(e) = std::fs::write(target, text) {
            return usage(&format!("cannot write `{target}`: {e}"));
        }
    }
    ExitCode::SUCCESS
}

/// A profiler when some output needs counters or events; `None` keeps the run unobserved.
fn introspection_profiler(cli: &Cli) -> Option<Arc<physl::introspect::Profiler>> {
    let events = cli.trace.is_some() || cli.critical_path;
    let counters = events || cli.performance || cli.dump_counters.is_some();
    counters.then(|| {
        Arc::new(physl::introspect::Profiler::new(
            physl::introspect::ProfileOptions { events },
        ))
    })
}

/// `--performance`, `--critical-path` (stderr) and the `--dump-*` and `--trace` files.
fn write_introspection(
    cli: &Cli,
    engine: &Engine,
    program: &physl::Program,
    name: &str,
    profiler: Option<&physl::introspect::Profiler>,
) -> Result<(), String> {
    use physl::introspect::{critical, dot, newick, report, trace, Tree};
    let wanted = cli.performance
        || cli.critical_path
        || cli.dump_counters.is_some()
        || cli.dump_dot.is_some()
        || cli.dump_newick_tree.is_some()
        || cli.trace.is_some();
    if !wanted {
        return Ok(());
    }
    let write = |path: &str, text: &str| {
        std::fs::write(path, text).map_err(|e| format!("cannot write `{path}`: {e}"))
    };
    let mut tree = Tree::build(program.tree(), engine.sources(), name);
    let records = profiler.map(|p| p.nodes()).unwrap_or_default();
    let rows = report::rows(&mut tree, &records, engine.sources());
    if cli.performance {
        eprint!("{}", report::table(&rows));
    }
    if let Some(path) = &cli.dump_counters {
        write(path, &report::csv(&rows))?;
    }
    if let Some(path) = &cli.dump_dot {
        let times: std::collections::HashMap<usize, _> =
            records.iter().map(|r| (r.addr, r.stats)).collect();
        let times = profiler.map(|_| &times);
        write(path, &dot::dot(&tree, true, times))?;
    }
    if let Some(path) = &cli.dump_newick_tree {
        write(path, &(newick::newick(&tree) + "\n"))?;
    }
    let events = match profiler {
        Some(p) if p.options().events => p.events(),
        _ => Vec::new(),
    };
    if let Some(path) = &cli.trace {
        let doc = trace::trace(&tree, &events);
        write(path, &(doc.to_string() + "\n"))?;
    }
    if cli.critical_path {
        let cp = critical::analyse(&events);
        eprint!("{}", critical::report(&cp, &tree, 20));
    }
    Ok(())
}

fn read_stdin() -> std::io::Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    Ok(s)
}

fn exit_for(e: &Error) -> ExitCode {
    match e.kind() {
        ErrorKind::Usage => ExitCode::from(2),
        ErrorKind::Interrupted => ExitCode::from(130),
        _ => ExitCode::from(1),
    }
}

/// `--docs-json`: the catalog for tools (editor grammars, completion).
fn docs_json() -> String {
    use physl::primitives::registry;
    use serde_json::json;
    let prims: Vec<_> = registry::all()
        .map(|p| {
            json!({
                "name": p.name,
                "family": p.family.name(),
                "tier": format!("{:?}", p.tier),
                "signature": p.signature,
                "summary": p.summary(),
                "help": p.help,
                "special": p.is_special(),
                "dtype_aliases": p.dtype_aliases,
                "examples": p.examples.iter().map(|(c, r)| json!([c, r])).collect::<Vec<_>>(),
            })
        })
        .collect();
    let stdlib: Vec<_> = physl::stdlib::entries()
        .iter()
        .map(|e| {
            json!({
                "name": e.name,
                "file": e.file,
                "signature": e.signature,
                "summary": e.summary,
                "help": e.help,
                "examples": e.examples.iter().map(|(c, r)| json!([c, r])).collect::<Vec<_>>(),
            })
        })
        .collect();
    let constants: Vec<&str> = [
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
    ]
    .into_iter()
    .filter(|c| physl::compile::constant(c).is_some())
    .collect();
    let doc = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "primitives": prims,
        "stdlib": stdlib,
        "special_forms": registry::all().filter(|p| p.is_special()).map(|p| p.name).collect::<Vec<_>>(),
        "reserved": physl::compile::RESERVED,
        "constants": constants,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
