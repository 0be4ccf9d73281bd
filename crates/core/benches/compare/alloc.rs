//! A global allocator that counts, per thread, the allocations made and the
//! bytes live, so the table can show what each cache allocates per request
//! and holds per entry. Thread-local counters cost no contention; a
//! single-threaded run allocates and frees on one thread, so its live bytes
//! are exact (requested sizes, without the allocator's own headers).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts per thread, then delegates to the system allocator.
pub struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static LIVE_BYTES: Cell<i64> = const { Cell::new(0) };
}

fn record(allocations: u64, bytes: i64) {
    // `try_with`: a thread being torn down may still free memory.
    let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + allocations));
    let _ = LIVE_BYTES.try_with(|b| b.set(b.get() + bytes));
}

// SAFETY: every call is forwarded unchanged to `System`; the counters are
// const-initialised thread-locals without destructors, so touching them
// never allocates or re-enters the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(1, layout.size() as i64);
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(1, layout.size() as i64);
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(0, -(layout.size() as i64));
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(1, new_size as i64 - layout.size() as i64);
        System.realloc(ptr, layout, new_size)
    }
}

/// This thread's counters at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    pub allocations: u64,
    pub live_bytes: i64,
}

/// Reads this thread's counters.
pub fn snapshot() -> Snapshot {
    Snapshot {
        allocations: ALLOCATIONS.with(Cell::get),
        live_bytes: LIVE_BYTES.with(Cell::get),
    }
}
