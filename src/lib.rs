//! lofte: find, attribute and grade the commitments in Swedish crime-prevention
//! agreements (medborgarlöften and samverkansöverenskommelser).
//!
//! The pipeline runs one way: `read` → `segment` → `commitment` → `actor` → `vague` →
//! `output`, with `pipeline` knowing the order and `eval` measuring the result against
//! gold annotations. See ARCHITECTURE.md for the map.

pub mod actor;
pub mod allocator;
pub mod cli;
pub mod commitment;
pub mod decode;
pub mod docx;
pub mod eval;
pub mod explain;
pub mod html;
pub mod hugepages;
pub mod isolate;
pub mod lexicon;
pub mod matcher;
pub mod model;
pub mod ordered;
pub mod output;
pub mod parties;
pub mod pdf;
pub mod period;
pub mod pipeline;
pub mod profile;
pub mod read;
pub mod segment;
pub mod segset;
pub mod specificity;
#[cfg(test)]
mod testing;
pub mod vague;
pub mod xlsx;
