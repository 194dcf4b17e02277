//! The interactive REPL (spec 6.2): `physl` with no script and stdin a terminal.
//!
//! Each entry is read line by line (`physl> `, then `....> ` while [`physl::completeness`]
//! says the input is incomplete), compiled and run against the session's persistent globals,
//! and its value printed unless nil. `_` holds the last non-nil value. Commands start with
//! `:`. Ctrl-C while editing drops the entry; while evaluating it sets the session's
//! interrupt flag, which stops the run with `physl::interrupted`. Ctrl-D quits (status 0).

use physl::primitives::{registry, Primitive};
use physl::{Completeness, Engine, Error, PrintFormat, Session, StdHost, Value};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Config, Context, Editor, Helper};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const PROMPT: &str = "physl> ";
const CONTINUATION: &str = "....> ";

/// The REPL's commands with their one-line help.
const COMMANDS: &[(&str, &str)] = &[
    (":help", "this list"),
    (
        ":help NAME",
        "the catalog entry of a primitive or stdlib function, with examples (alias :doc NAME)",
    ),
    (":type EXPR", "the kind, dtype and shape of EXPR's value"),
    (":time EXPR", "evaluates EXPR and prints the time it took"),
    (":load FILE", "runs a PhySL file in this session"),
    (":reset", "forgets every definition of this session"),
    (":quit", "leaves the REPL (also :q or Ctrl-D)"),
];

/// Settings from the command line.
pub struct Options {
    pub format: PrintFormat,
    pub seed: Option<u64>,
    pub argv: Vec<Value>,
}

/// Tab completion: table names (special forms included), constants, the session's globals
/// and, at the start of a line, the commands.
struct PhyslHelper {
    globals: Arc<Mutex<Vec<String>>>,
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Completer for PhyslHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_word(c))
            .last()
            .map_or(pos, |(i, _)| i);
        let word = &line[start..pos];
        let pair = |s: &str| Pair {
            display: s.to_string(),
            replacement: s.to_string(),
        };
        if start == 1 && before.starts_with(':') {
            let mut out: Vec<Pair> = COMMANDS
                .iter()
                .map(|(c, _)| c.split(' ').next().unwrap_or(c))
                .filter(|c| c[1..].starts_with(word))
                .map(|c| pair(&c[1..]))
                .collect();
            out.dedup_by(|a, b| a.display == b.display);
            return Ok((start, out));
        }
        if word.is_empty() {
            return Ok((pos, Vec::new()));
        }
        let mut names: Vec<String> = registry::names()
            .into_iter()
            .map(str::to_string)
            .chain(CONSTANTS.iter().map(|s| s.to_string()))
            .chain(self.globals.lock().map(|g| g.clone()).unwrap_or_default())
            .filter(|n| n.starts_with(word))
            .collect();
        names.sort();
        names.dedup();
        Ok((start, names.iter().map(|n| pair(n)).collect()))
    }
}

/// The predefined constants (spec 1.5), for completion.
const CONSTANTS: &[&str] = &[
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
];

impl Hinter for PhyslHelper {
    type Hint = String;
}
impl Highlighter for PhyslHelper {}
impl Validator for PhyslHelper {}
impl Helper for PhyslHelper {}

/// Where the history is kept: `PHYSL_HISTORY` (empty: no history), else
/// `$XDG_DATA_HOME/physl/history`, else `~/.local/share/physl/history`.
fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PHYSL_HISTORY") {
        return (!p.is_empty()).then(|| PathBuf::from(p));
    }
    let data = match std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".local/share"),
    };
    Some(data.join("physl").join("history"))
}

struct Repl {
    engine: Engine,
    session: Session,
    format: PrintFormat,
    color: bool,
    entries: usize,
    evaluating: Arc<AtomicBool>,
    globals: Arc<Mutex<Vec<String>>>,
}

enum Flow {
    Continue,
    Quit,
}

pub fn run(engine: Engine, opts: Options) -> ExitCode {
    let mut session = engine.session();
    session.set_host(Arc::new(StdHost::new()));
    session.set_argv(opts.argv);
    if let Some(seed) = opts.seed {
        session.set_seed(seed);
    }
    let globals = Arc::new(Mutex::new(session.global_names()));
    let config = Config::builder()
        .auto_add_history(false)
        .bracketed_paste(true)
        .build();
    let mut editor: Editor<PhyslHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("physl: cannot start the line editor: {e}");
            return ExitCode::from(1);
        }
    };
    editor.set_helper(Some(PhyslHelper {
        globals: globals.clone(),
    }));
    let history = history_path();
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.load_history(path);
    }

    // Ctrl-C while a program runs: the terminal is in cooked mode then, so it arrives as
    // SIGINT. While editing, rustyline reads it as a key instead.
    let evaluating = Arc::new(AtomicBool::new(false));
    {
        let flag = session.interrupt_handle();
        let evaluating = evaluating.clone();
        let _ = ctrlc::set_handler(move || {
            if evaluating.load(Ordering::SeqCst) {
                flag.store(true, Ordering::SeqCst);
            }
        });
    }

    let mut repl = Repl {
        engine,
        session,
        format: opts.format,
        color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        entries: 0,
        evaluating,
        globals,
    };
    println!(
        "physl {} — :help for commands, Ctrl-D to quit",
        env!("CARGO_PKG_VERSION")
    );

    let mut pending = String::new();
    loop {
        let prompt = if pending.is_empty() {
            PROMPT
        } else {
            CONTINUATION
        };
        match editor.readline(prompt) {
            Ok(line) => {
                if !pending.is_empty() {
                    pending.push('\n');
                }
                pending.push_str(&line);
                let trimmed = pending.trim();
                if trimmed.is_empty() {
                    pending.clear();
                    continue;
                }
                let is_command = trimmed.starts_with(':');
                if !is_command && physl::completeness(&pending) == Completeness::Incomplete {
                    continue;
                }
                let entry = std::mem::take(&mut pending);
                if editor.add_history_entry(entry.trim()).unwrap_or(false) {
                    if let Some(path) = &history {
                        let _ = editor.append_history(path);
                    }
                }
                if let Flow::Quit = repl.entry(entry.trim()) {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => {
                // Ctrl-C while editing: drop the entry
                pending.clear();
            }
            Err(ReadlineError::Eof) => {
                println!();
                break;
            }
            Err(e) => {
                eprintln!("physl: cannot read input: {e}");
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}

impl Repl {
    fn entry(&mut self, entry: &str) -> Flow {
        match entry.strip_prefix(':') {
            Some(command) => self.command(command),
            None => {
                if let Some(v) = self.eval(entry) {
                    self.show(&v);
                }
                Flow::Continue
            }
        }
    }

    /// Evaluates source text; reports an error and returns `None` on failure. A non-nil
    /// value becomes `_`.
    fn eval(&mut self, text: &str) -> Option<Value> {
        self.entries += 1;
        let name = format!("<repl:{}>", self.entries);
        self.evaluating.store(true, Ordering::SeqCst);
        let result = self.session.eval(&name, text);
        self.evaluating.store(false, Ordering::SeqCst);
        let _ = std::io::stdout().flush();
        let result = match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.report(&e);
                None
            }
        };
        if let Some(v) = result.as_ref().filter(|v| !v.is_nil()) {
            let _ = self.session.set("_", v.clone());
        }
        if let Ok(mut g) = self.globals.lock() {
            *g = self.session.global_names();
        }
        result
    }

    fn show(&self, v: &Value) {
        if !v.is_nil() {
            println!("{}", self.format.render(v));
        }
    }

    fn report(&self, e: &Error) {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        let text = e.render(self.engine.sources(), self.color, width);
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }

    fn command(&mut self, command: &str) -> Flow {
        let (name, arg) = match command.split_once(char::is_whitespace) {
            Some((n, a)) => (n, a.trim()),
            None => (command.trim(), ""),
        };
        match (name, arg) {
            ("q" | "quit", _) => return Flow::Quit,
            ("help" | "h" | "?", "") => {
                println!("Commands:");
                for (c, h) in COMMANDS {
                    println!("  {c:<12} {h}");
                }
                println!("Anything else is PhySL code; an open ( [ or string continues on the next line.");
                println!("`_` is the last value. Ctrl-C stops a running evaluation, Ctrl-D quits.");
            }
            ("help" | "h" | "?" | "doc", name) => println!("{}", help_text(name, &self.session)),
            ("type", "") | ("time", "") | ("load", "") => {
                eprintln!("physl: :{name} needs an argument (see :help)")
            }
            ("type", expr) => {
                if let Some(v) = self.eval(expr) {
                    println!("{}", type_text(&v));
                }
            }
            ("time", expr) => {
                let start = std::time::Instant::now();
                if let Some(v) = self.eval(expr) {
                    let elapsed = start.elapsed();
                    self.show(&v);
                    println!("Elapsed time: {} [s]", elapsed.as_secs_f64());
                }
            }
            ("load", file) => match std::fs::read_to_string(file) {
                Ok(text) => {
                    self.evaluating.store(true, Ordering::SeqCst);
                    let result = self.session.eval(file, &text);
                    self.evaluating.store(false, Ordering::SeqCst);
                    match result {
                        Ok(v) => {
                            if !v.is_nil() {
                                let _ = self.session.set("_", v.clone());
                            }
                            self.show(&v)
                        }
                        Err(e) => self.report(&e),
                    }
                    if let Ok(mut g) = self.globals.lock() {
                        *g = self.session.global_names();
                    }
                }
                Err(e) => eprintln!("physl: cannot read `{file}`: {e}"),
            },
            ("reset", _) => {
                self.session.reset();
                if let Ok(mut g) = self.globals.lock() {
                    *g = self.session.global_names();
                }
                println!("session reset");
            }
            _ => eprintln!("physl: unknown command `:{name}` (:help lists the commands)"),
        }
        Flow::Continue
    }
}

/// `:type`: kind, dtype and shape.
fn type_text(v: &Value) -> String {
    match v {
        Value::Array(a) => format!("array {} {:?}", a.dtype().name(), a.shape()),
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => format!("scalar {}", v.kind_name()),
        Value::List(_) | Value::Range(_) | Value::Dict(_) => {
            format!("{} of {}", v.kind_name(), v.len().unwrap_or(0))
        }
        Value::Func(f) => format!("function `{}`", f.name()),
        _ => v.kind_name().to_string(),
    }
}

/// `:help NAME`: the table entry, a stdlib entry, or what the session knows.
pub fn help_text(name: &str, session: &Session) -> String {
    if let Some(found) = registry::lookup(name) {
        let mut out = primitive_help(found.prim);
        if let Some(dtype) = found.dtype {
            out = format!(
                "{name}: `{}` with the result cast to {}\n\n{out}",
                found.prim.name,
                dtype.name()
            );
        }
        return out;
    }
    if let Some(e) = physl::stdlib::lookup(name) {
        let mut out = format!("{}    [stdlib, {}]\n\n{}\n", e.signature, e.file, e.help);
        if !e.examples.is_empty() {
            out.push_str("\nExamples:\n");
            for (code, result) in &e.examples {
                out.push_str(&format!("  {code}\n    => {result}\n"));
            }
        }
        return out.trim_end().to_string();
    }
    if let Some(v) = session.get(name) {
        return format!("`{name}` is a global of this session: {}", v.describe());
    }
    let candidates = registry::names()
        .into_iter()
        .map(str::to_string)
        .chain(physl::stdlib::names().into_iter().map(str::to_string));
    let names: Vec<String> = candidates.collect();
    match physl::diagnostics::did_you_mean(name, names.iter().map(String::as_str)) {
        Some(s) => format!("no primitive or stdlib function `{name}`; did you mean `{s}`?"),
        None => format!("no primitive or stdlib function `{name}`"),
    }
}

fn primitive_help(p: &Primitive) -> String {
    let kind = if p.is_special() {
        "special form"
    } else {
        "primitive"
    };
    let mut out = format!(
        "{}    [{kind}, {}, {:?}]\n\n{}\n",
        p.signature,
        p.family.name(),
        p.tier,
        p.help
    );
    if !p.examples.is_empty() {
        out.push_str("\nExamples:\n");
        for (code, result) in p.examples {
            let result = match result.strip_prefix('!') {
                Some(code) => format!("error {code}"),
                None => result.to_string(),
            };
            out.push_str(&format!("  {code}\n    => {result}\n"));
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_covers_primitives_stdlib_and_unknown_names() {
        let engine = Engine::new();
        let s = engine.session();
        let dot = help_text("dot", &s);
        assert!(dot.starts_with("dot(a, b)"), "{dot}");
        assert!(dot.contains("Examples:"), "{dot}");
        let sd = help_text("standardize", &s);
        assert!(sd.contains("stdlib"), "{sd}");
        assert!(help_text("dto", &s).contains("did you mean `dot`"));
    }

    #[test]
    fn type_text_names_kind_dtype_and_shape() {
        let engine = Engine::new();
        let mut s = engine.session();
        let v = s.eval("t", "[[1.0, 2.0]]").unwrap();
        assert_eq!(type_text(&v), "array float64 [1, 2]");
        assert_eq!(type_text(&Value::Int(1)), "scalar int64");
        let l = s.eval("t", "list(1, 2)").unwrap();
        assert_eq!(type_text(&l), "list of 2");
    }

    #[test]
    fn completion_offers_table_names_and_globals() {
        let h = PhyslHelper {
            globals: Arc::new(Mutex::new(vec!["my_model".into()])),
        };
        let hist = DefaultHistory::new();
        let cx = Context::new(&hist);
        let (start, c) = h.complete("define(x, do", 12, &cx).unwrap();
        assert_eq!(start, 10);
        assert!(c.iter().any(|p| p.replacement == "dot"));
        let (_, c) = h.complete("my_", 3, &cx).unwrap();
        assert_eq!(c.len(), 1);
        let (_, c) = h.complete(":he", 3, &cx).unwrap();
        assert_eq!(c[0].replacement, "help");
    }
}
