//! Per-thread tables of native state reached by number from raw Node-API
//! calls (raw_call.rs): a handle is a double packing the table index (low
//! 24 bits) and the index's generation, so a stale handle is an error,
//! never another object's state. Each user keeps its table in a
//! `thread_local!` and frees its entry from the owning napi object's Drop.

use std::cell::RefCell;
use std::thread::LocalKey;

use tiercache_core::{Error, ErrorKind};

const INDEX_BITS: u32 = 24;
const GENERATION_MASK: u32 = (1 << 28) - 1;

/// The live states of one kind on one thread.
pub(crate) struct Handles<T> {
    slots: Vec<(u32, Option<T>)>,
    free: Vec<u32>,
}

impl<T> Handles<T> {
    /// How many states are alive (inserted and not yet removed).
    pub(crate) fn live(&self) -> usize {
        self.slots.len() - self.free.len()
    }
}

impl<T> Default for Handles<T> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

fn split(handle: f64) -> Option<(usize, u32)> {
    if !(handle >= 0.0 && handle.fract() == 0.0 && handle < 2f64.powi(52)) {
        return None;
    }
    let raw = handle as u64;
    Some((
        (raw & ((1 << INDEX_BITS) - 1)) as usize,
        (raw >> INDEX_BITS) as u32,
    ))
}

/// Stores `state` in the thread's table; returns its handle. `what` names
/// the kind in errors.
pub(crate) fn insert<T>(
    table: &'static LocalKey<RefCell<Handles<T>>>,
    state: T,
    what: &str,
) -> Result<f64, Error> {
    table.with(|cell| {
        let mut handles = cell.borrow_mut();
        let index = match handles.free.pop() {
            Some(index) => index,
            None => {
                let index = handles.slots.len() as u32;
                if index >= 1 << INDEX_BITS {
                    return Err(Error::invalid_argument(format!(
                        "too many {what}s on this thread"
                    )));
                }
                handles.slots.push((0, None));
                index
            }
        };
        let slot = &mut handles.slots[index as usize];
        slot.0 = (slot.0 + 1) & GENERATION_MASK;
        slot.1 = Some(state);
        Ok(f64::from(slot.0) * f64::from(1u32 << INDEX_BITS) + f64::from(index))
    })
}

/// Frees the state of `handle` (nothing when it is stale or the thread's
/// table is already gone, as when the environment tears down). The state is
/// dropped after the table is released.
pub(crate) fn remove<T>(table: &'static LocalKey<RefCell<Handles<T>>>, handle: f64) {
    let Some((index, generation)) = split(handle) else {
        return;
    };
    let taken = table
        .try_with(|cell| {
            let mut handles = cell.try_borrow_mut().ok()?;
            let taken = match handles.slots.get_mut(index) {
                Some(slot) if slot.0 == generation => slot.1.take(),
                _ => None,
            };
            if taken.is_some() {
                handles.free.push(index as u32);
            }
            taken
        })
        .ok()
        .flatten();
    drop(taken);
}

/// Runs `f` on the state of `handle`; an `InvalidState` error when the
/// handle is stale or the table is already borrowed (re-entry).
pub(crate) fn with<T, R>(
    table: &'static LocalKey<RefCell<Handles<T>>>,
    handle: f64,
    what: &str,
    f: impl FnOnce(&mut T) -> Result<R, Error>,
) -> Result<R, Error> {
    let stale = || {
        Error::new(
            ErrorKind::InvalidState,
            format!("the {what} handle is not live"),
        )
    };
    let (index, generation) = split(handle).ok_or_else(stale)?;
    table.with(|cell| {
        let mut handles = cell
            .try_borrow_mut()
            .map_err(|_| Error::new(ErrorKind::InvalidState, format!("{what} re-entered")))?;
        match handles.slots.get_mut(index) {
            Some((g, Some(state))) if *g == generation => f(state),
            _ => Err(stale()),
        }
    })
}
