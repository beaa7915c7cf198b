//! Per-person trace: what each of the four decisions did, so a report can show why a diary
//! came out as it did. Written as one JSON object per line (hand-written, no serde).

use crate::adaptation::{Adaptation, FILLED};
use crate::participation::Participation;
use crate::refinement::Fixes;
use crate::retrieval::Retrieved;
use crate::state::GeneratorState;
use mobility::Segment;
use std::fmt::Write;

/// The decisions taken for one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The person's segment.
    pub segment: Segment,
    /// Decision 1.
    pub participation: Participation,
    /// Decision 2 (`None` when the person stays home or no routine was available).
    pub retrieval: Option<Retrieved>,
    /// Decision 3 (`None` when nothing was retrieved).
    pub adaptation: Option<Adaptation>,
    /// Decision 4.
    pub fixes: Fixes,
}

impl Trace {
    /// One JSON object (no trailing newline). `state` resolves the retrieved routine's owner.
    pub fn to_json(&self, person_id: &str, state: &GeneratorState) -> String {
        let mut s = String::with_capacity(320);
        let p = &self.participation;
        let _ = write!(
            s,
            "{{\"person_id\":{},\"segment\":{},\"participation\":{{\"probability\":{:.4},\"draw\":{:.4},\"participates\":{}}}",
            json_string(person_id),
            json_string(&self.segment.name()),
            p.probability,
            p.draw,
            p.participates
        );
        match &self.retrieval {
            Some(r) => {
                let _ = write!(
                    s,
                    ",\"retrieval\":{{\"person_id\":{},\"similarity\":{:.4},\"neighbours\":{},\"probability\":{:.4}}}",
                    json_string(&state.routines[r.routine as usize].person_id),
                    r.similarity,
                    r.neighbours,
                    r.probability
                );
            }
            None => s.push_str(",\"retrieval\":null"),
        }
        match &self.adaptation {
            Some(a) => {
                let filled = a.source.iter().filter(|&&x| x == FILLED).count();
                let _ = write!(
                    s,
                    ",\"adaptation\":{{\"shift\":{},\"filled_slots\":{}}}",
                    a.shift, filled
                );
            }
            None => s.push_str(",\"adaptation\":null"),
        }
        s.push_str(",\"refinement\":{");
        for (i, (name, count)) in self.fixes.named().into_iter().enumerate() {
            let _ = write!(s, "{}\"{name}\":{count}", if i > 0 { "," } else { "" });
        }
        s.push_str("}}");
        s
    }
}

/// A JSON string literal with the required escapes.
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
