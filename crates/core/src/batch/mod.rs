//! The batch accumulator behind `BatchProcessor`: slots, dedupe of identical
//! keys, byte accounting, flush-trigger decisions, queued caps and in-flight
//! bookkeeping. JavaScript keeps the promises, timers and results; it hands
//! the accumulator a chunk of staged loads at a time ([`Accumulator::ingest`])
//! and reads back one packed decision per load ([`decision`]).
//!
//! The pure-JS twin (`ts/batch/js-accumulator.ts`) makes the same decisions
//! for the same sequence of calls; a differential test holds them together.

mod accumulator;
pub mod decision;
pub(crate) mod key_index;
mod limits;
mod stats;

#[cfg(test)]
mod tests;

pub use accumulator::Accumulator;
pub use key_index::Key;
pub use limits::{limit_from_f64, Limits, Oversize, MAX_BATCH_SIZE};
pub use stats::{BatchStats, SealReason, STATS_FIELDS};
