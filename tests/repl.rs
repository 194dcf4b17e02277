//! The REPL in a real terminal: the binary runs inside tmux (a pseudo-terminal), keys go in
//! with `send-keys`, the screen comes back with `capture-pane`. Skipped with a message when
//! tmux is not installed (`apt-get install tmux`).

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_physl");

fn have_tmux() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: tmux is not installed; the REPL terminal tests need it");
    }
    ok
}

/// A tmux session running `physl` (then `echo EXIT=<status>`, so the status shows).
struct Term {
    name: String,
    dir: std::path::PathBuf,
}

impl Term {
    fn start(args: &str) -> Term {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "physl-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir).unwrap();
        let history = dir.join("history");
        let cmd = format!(
            "cd '{}' && env NO_COLOR=1 PHYSL_HISTORY='{}' '{BIN}' {args}; echo EXIT=$?; sleep 600",
            dir.display(),
            history.display()
        );
        let status = Command::new("tmux")
            .args(["new-session", "-d", "-s", &name, "-x", "150", "-y", "50"])
            .arg(cmd)
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        // a long scrollback so that capture sees the whole session
        let _ = Command::new("tmux")
            .args(["set-option", "-t", &name, "history-limit", "10000"])
            .status();
        let t = Term { name, dir };
        t.wait_for("first prompt", |s| s.contains("physl> "));
        t
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-J", "-S", "-", "-t", &self.name])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
    }

    /// Types a line and presses Enter.
    fn line(&self, text: &str) {
        if !text.is_empty() {
            self.keys(&["-l", text]);
        }
        self.keys(&["Enter"]);
    }

    fn prompts(&self) -> usize {
        self.screen()
            .lines()
            .filter(|l| l.starts_with("physl> "))
            .count()
    }

    /// Types an entry (lines) and waits for the next `physl> ` prompt.
    fn entry(&self, lines: &[&str]) {
        let before = self.prompts();
        for l in lines {
            self.line(l);
            std::thread::sleep(Duration::from_millis(30));
        }
        self.wait_for("the next prompt", |s| {
            s.lines().filter(|l| l.starts_with("physl> ")).count() > before
        });
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The text after the last occurrence of `marker`.
fn after<'s>(screen: &'s str, marker: &str) -> &'s str {
    screen.rsplit_once(marker).map_or("", |(_, rest)| rest)
}

#[test]
fn repl_session_in_a_terminal() {
    if !have_tmux() {
        return;
    }
    let t = Term::start("");
    // multi-line input: the open parenthesis continues on the next line
    t.entry(&["define(twice, x,", "  x * 2)"]);
    let s = t.screen();
    assert!(s.contains("....>   x * 2)"), "no continuation prompt:\n{s}");
    t.entry(&["twice(21)"]);
    assert!(after(&t.screen(), "physl> twice(21)").contains("42"));
    // `_` is the last value
    t.entry(&["_ + 1"]);
    assert!(after(&t.screen(), "physl> _ + 1").contains("43"));
    // an error, then an earlier definition still works
    t.entry(&["slice([1], 5)"]);
    assert!(after(&t.screen(), "physl> slice([1], 5)").contains("physl::index"));
    t.entry(&["twice(5)"]);
    assert!(after(&t.screen(), "physl> twice(5)").contains("10"));
    // an unknown name is a name error
    t.entry(&["no_such_thing"]);
    assert!(after(&t.screen(), "physl> no_such_thing").contains("physl::name"));
    // :help dot shows the catalog entry with its examples
    t.entry(&[":help dot"]);
    let help = after(&t.screen(), "physl> :help dot").to_string();
    assert!(help.contains("dot(a, b)"), "{help}");
    assert!(help.contains("Examples:"), "{help}");
    // :type and :reset
    t.entry(&[":type [[1.0, 2.0]]"]);
    assert!(after(&t.screen(), "physl> :type").contains("array float64 [1, 2]"));
    // Ctrl-C stops an endless loop and the session goes on
    t.line("while(true, 0)");
    std::thread::sleep(Duration::from_millis(500));
    let before = t.prompts();
    t.keys(&["C-c"]);
    t.wait_for("the prompt after Ctrl-C", |s| {
        s.lines().filter(|l| l.starts_with("physl> ")).count() > before
    });
    assert!(after(&t.screen(), "physl> while(true, 0)").contains("physl::interrupted"));
    t.entry(&["twice(100)"]);
    assert!(after(&t.screen(), "physl> twice(100)").contains("200"));
    // Ctrl-C while editing drops the line
    t.keys(&["-l", "garbage("]);
    std::thread::sleep(Duration::from_millis(100));
    t.keys(&["C-c"]);
    std::thread::sleep(Duration::from_millis(200));
    t.entry(&["1 + 1"]);
    assert!(after(&t.screen(), "physl> 1 + 1").contains('2'));
    // :reset forgets definitions
    t.entry(&[":reset"]);
    t.entry(&["twice(1)"]);
    assert!(after(&t.screen(), "physl> twice(1)").contains("physl::name"));
    // Ctrl-D quits with status 0
    t.keys(&["C-d"]);
    t.wait_for("the exit status", |s| s.contains("EXIT=0"));
    // every entry went to the history file, the multi-line one as one entry
    let history = std::fs::read_to_string(t.dir.join("history")).unwrap();
    assert!(history.contains("twice(21)"), "{history}");
    assert!(history.contains(":help dot"), "{history}");
}

#[test]
fn repl_completion_load_and_quit() {
    if !have_tmux() {
        return;
    }
    let t = Term::start("");
    std::fs::write(t.dir.join("model.physl"), "define(model_fn, x, x + 1)\n").unwrap();
    t.entry(&[":load model.physl"]);
    // completion of a session global and of a table name
    t.keys(&["-l", "model_f"]);
    t.keys(&["Tab"]);
    t.keys(&["-l", "(1)"]);
    t.entry(&[""]);
    let s = t.screen();
    assert!(s.contains("physl> model_fn(1)"), "{s}");
    assert!(after(&s, "physl> model_fn(1)").contains('2'), "{s}");
    t.keys(&["-l", "standardiz"]);
    t.keys(&["Tab"]);
    t.keys(&["-l", "([[1.0], [3.0]])"]);
    t.entry(&[""]);
    let s = t.screen();
    assert!(s.contains("physl> standardize([[1.0], [3.0]])"), "{s}");
    t.entry(&[":help standardize"]);
    assert!(after(&t.screen(), "physl> :help standardize").contains("stdlib"));
    t.keys(&["-l", ":quit"]);
    t.keys(&["Enter"]);
    t.wait_for("the exit status", |s| s.contains("EXIT=0"));
}

#[test]
fn piped_input_is_a_script() {
    let mut child = Command::new(BIN)
        .arg("-p")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"define(x, 2)\nx * 21\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "42\n");
}
