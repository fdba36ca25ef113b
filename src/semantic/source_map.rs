//! Maps offsets in expanded text back to the file the text came from.
//!
//! Expansion rewrites a statement before it is re-parsed, so the spans of the re-parsed tree
//! point into text that exists nowhere on disk. Each expanded text keeps a list of segments:
//! copied runs map byte for byte, the output of one `$(…)` maps to the whole `$(…)` as written.

use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    /// Where the segment starts in the expanded text.
    out_start: u32,
    out_end: u32,
    /// Where it came from in the original file.
    origin: Span,
    /// Copied text (maps byte for byte) rather than the output of an expansion.
    copied: bool,
}

/// Segments of one expanded text, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    segments: Vec<Segment>,
}

impl SourceMap {
    /// A map for text copied unchanged from `origin`.
    pub fn identity(origin: Span) -> Self {
        let mut map = SourceMap::default();
        map.push_copied(0, origin);
        map
    }

    pub fn push_copied(&mut self, out_start: usize, origin: Span) {
        if origin.is_empty() {
            return;
        }
        // Extend the previous copied run when the two touch on both sides.
        if let Some(last) = self.segments.last_mut() {
            if last.copied && last.out_end as usize == out_start && last.origin.end == origin.start
            {
                last.out_end += origin.len() as u32;
                last.origin.end = origin.end;
                return;
            }
        }
        self.segments.push(Segment {
            out_start: out_start as u32,
            out_end: (out_start + origin.len()) as u32,
            origin,
            copied: true,
        });
    }

    pub fn push_expanded(&mut self, out_start: usize, out_len: usize, origin: Span) {
        if out_len == 0 {
            return;
        }
        self.segments.push(Segment {
            out_start: out_start as u32,
            out_end: (out_start + out_len) as u32,
            origin,
            copied: false,
        });
    }

    /// The original offset of an offset in the expanded text. `end` says whether it ends a
    /// span (an offset inside an expansion's output then maps to the expansion's end).
    fn map_offset(&self, offset: u32, end: bool) -> u32 {
        let index = self.segments.partition_point(|s| {
            s.out_end < offset || (!end && s.out_end == offset && s.out_start != s.out_end)
        });
        let Some(segment) = self.segments.get(index).or_else(|| self.segments.last()) else {
            return 0;
        };
        if offset < segment.out_start {
            return segment.origin.start;
        }
        if segment.copied {
            (segment.origin.start + (offset - segment.out_start)).min(segment.origin.end)
        } else if end {
            segment.origin.end
        } else {
            segment.origin.start
        }
    }

    /// The original span of a span in the expanded text.
    pub fn map_span(&self, span: Span) -> Span {
        let start = self.map_offset(span.start, false);
        let end = self.map_offset(span.end, true).max(start);
        Span { start, end }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copied_and_expanded_runs() {
        // Original: `LOAD * FROM $(v).qvd` at offset 100; `$(v)` (12..16) expanded to `Orders`.
        let mut map = SourceMap::default();
        map.push_copied(0, Span::new(100, 112));
        map.push_expanded(12, 6, Span::new(112, 116));
        map.push_copied(18, Span::new(116, 120));
        assert_eq!(map.map_span(Span::new(0, 4)), Span::new(100, 104));
        assert_eq!(map.map_span(Span::new(12, 22)), Span::new(112, 120));
        assert_eq!(map.map_span(Span::new(14, 16)), Span::new(112, 116));
        assert_eq!(map.map_span(Span::new(19, 22)), Span::new(117, 120));
    }

    #[test]
    fn adjacent_copies_merge() {
        let mut map = SourceMap::default();
        map.push_copied(0, Span::new(10, 20));
        map.push_copied(10, Span::new(20, 30));
        assert_eq!(map.segments.len(), 1);
        assert_eq!(map.map_span(Span::new(5, 15)), Span::new(15, 25));
    }
}
