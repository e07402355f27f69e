//! How many nodes a YAML document has once its aliases are expanded, counted from the parser's events
//! without building the document: a few lines of anchors and aliases can expand to billions of nodes
//! ("billion laughs"), which loading would try to build.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, ScanError};

/// The expanded node count, or None once it passes `limit` (counting stops there).
pub fn expanded_nodes(text: &str, limit: u64) -> Result<Option<u64>, ScanError> {
    let mut counter = Counter { limit, total: 0, open: Vec::new(), anchors: HashMap::new(), over: false };
    Parser::new_from_str(text).load(&mut counter, true)?;
    Ok((!counter.over).then_some(counter.total))
}

struct Counter {
    limit: u64,
    total: u64,
    /// Open sequences and mappings: (anchor id, expanded nodes inside so far).
    open: Vec<(usize, u64)>,
    /// Expanded size of each anchored node.
    anchors: HashMap<usize, u64>,
    over: bool,
}

impl Counter {
    fn add(&mut self, nodes: u64) {
        self.total = self.total.saturating_add(nodes);
        for (_, inside) in &mut self.open {
            *inside = inside.saturating_add(nodes);
        }
        if self.total > self.limit {
            self.over = true;
        }
    }
}

impl MarkedEventReceiver for Counter {
    fn on_event(&mut self, event: Event, _mark: Marker) {
        if self.over {
            return;
        }
        match event {
            Event::Scalar(_, _, anchor, _) => {
                if anchor > 0 {
                    self.anchors.insert(anchor, 1);
                }
                self.add(1);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.add(1);
                self.open.push((anchor, 1));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, inside)) = self.open.pop() {
                    if anchor > 0 {
                        self.anchors.insert(anchor, inside);
                    }
                }
            }
            Event::Alias(anchor) => {
                let size = self.anchors.get(&anchor).copied().unwrap_or(1);
                self.add(size);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_documents_count_their_nodes_and_aliases_count_what_they_repeat() {
        // The mapping, its keys and values, the list and its items.
        assert_eq!(expanded_nodes("a: 1\nb: [x, y]\n", 1000).unwrap(), Some(7));
        // The anchored list (3 nodes) appears twice more through aliases.
        assert_eq!(expanded_nodes("a: &l [1, 2]\nb: *l\nc: *l\n", 1000).unwrap(), Some(13));
    }

    #[test]
    fn a_billion_laughs_stops_counting_at_the_limit() {
        let mut doc = String::from("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let refs = vec![format!("*l{}", i - 1); 9].join(", ");
            doc.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        let started = std::time::Instant::now();
        assert_eq!(expanded_nodes(&doc, 20_000).unwrap(), None);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
}
