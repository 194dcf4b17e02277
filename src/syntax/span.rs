//! Byte spans in one global space shared by every source the engine has seen.
//!
//! Each source (a script, a `-c` string, a REPL entry, a stdlib file) gets its own range of
//! offsets from [`SourceMap::add`], so a `Span` is two `u32`s and still tells which source it
//! belongs to. Spans are resolved to file, line and column only when a diagnostic is printed.

use std::sync::Arc;

/// A half-open byte range `[start, end)` in the global source space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const DUMMY: Span = Span { start: 0, end: 0 };

    pub fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn is_dummy(self) -> bool {
        self.start == 0 && self.end == 0
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// One source text and where its offsets start in the global space.
#[derive(Debug)]
pub struct Source {
    pub name: String,
    pub text: String,
    /// Global offset of the first byte.
    pub base: u32,
}

impl Source {
    /// 1-based line and column of a global offset inside this source. CRLF counts as one line
    /// break (spec 1.1, unlike Phylanx).
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let local = (offset.saturating_sub(self.base) as usize).min(self.text.len());
        let before = &self.text.as_bytes()[..local];
        let line = before.iter().filter(|&&b| b == b'\n').count()
            + before
                .iter()
                .enumerate()
                .filter(|&(i, &b)| b == b'\r' && before.get(i + 1) != Some(&b'\n'))
                .count()
            + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n' || b == b'\r')
            .map_or(0, |p| p + 1);
        let col = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        (line, col)
    }
}

/// All sources known to an engine. Cheap to clone; sources are never removed, so a span stays
/// valid for the life of the map.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    sources: Arc<parking_lot::RwLock<Vec<Arc<Source>>>>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Registers a source; offset 0 is never used so that `Span::DUMMY` belongs to no source.
    pub fn add(&self, name: impl Into<String>, text: impl Into<String>) -> Arc<Source> {
        let mut sources = self.sources.write();
        let base = sources
            .last()
            .map_or(1, |s| s.base + s.text.len() as u32 + 1);
        let source = Arc::new(Source {
            name: name.into(),
            text: text.into(),
            base,
        });
        sources.push(source.clone());
        source
    }

    /// The source a span belongs to.
    pub fn find(&self, span: Span) -> Option<Arc<Source>> {
        if span.is_dummy() {
            return None;
        }
        let sources = self.sources.read();
        let idx = sources.partition_point(|s| s.base <= span.start);
        let source = sources.get(idx.checked_sub(1)?)?;
        (span.start <= source.base + source.text.len() as u32).then(|| source.clone())
    }

    /// `file:line:col` of a span's start, for tables and traces.
    pub fn location(&self, span: Span) -> String {
        match self.find(span) {
            Some(src) => {
                let (l, c) = src.line_col(span.start);
                format!("{}:{}:{}", src.name, l, c)
            }
            None => "<unknown>".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_map_back_to_their_source() {
        let map = SourceMap::new();
        let a = map.add("a", "x\ny");
        let b = map.add("b", "hello\r\nworld");
        let in_b = Span::new(b.base + 7, b.base + 12);
        assert_eq!(map.find(in_b).unwrap().name, "b");
        assert_eq!(b.line_col(in_b.start), (2, 1));
        assert_eq!(a.line_col(a.base + 2), (2, 1));
        assert!(map.find(Span::DUMMY).is_none());
    }
}
