//! Behaviour of the accumulator, decision by decision.

use super::decision::{
    slot_of, KEY_NONE, KEY_NUMBER, NEW_SLOT, REJECT_QUEUE_FULL, REJECT_TOO_LARGE, SEALED_AFTER,
    SEALED_BEFORE, STAGE_STRIDE,
};
use super::*;
use crate::error::ErrorKind;

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn acc(limits: Limits) -> Accumulator {
    Accumulator::new(limits).expect("valid limits")
}

fn unlimited() -> Limits {
    Limits {
        max_batch_size: MAX_BATCH_SIZE,
        max_batch_bytes: u64::MAX,
        max_queued: u64::MAX,
        max_queued_bytes: u64::MAX,
        max_in_flight: u64::MAX,
        dedupe: true,
        oversize: Oversize::Alone,
    }
}

fn add_text(a: &mut Accumulator, key: &str, size: u64) -> i32 {
    let units = utf16(key);
    a.add(Some(Key::Text(&units)), size)
}

#[test]
fn size_trigger_seals_batches_of_three_three_one_counted_on_unique_keys() {
    let mut a = acc(Limits {
        max_batch_size: 3,
        ..unlimited()
    });
    let keys = ["a", "b", "a", "c", "d", "e", "f", "g"];
    let decisions: Vec<i32> = keys.iter().map(|k| add_text(&mut a, k, 0)).collect();
    assert_eq!(decisions[0], NEW_SLOT);
    assert_eq!(
        decisions[2], 0,
        "second 'a' joins slot 0 without a new slot"
    );
    assert_eq!(
        decisions[3],
        (2 << 3) | NEW_SLOT | SEALED_AFTER,
        "'c' is the third unique key"
    );
    assert_eq!(decisions[6], (2 << 3) | NEW_SLOT | SEALED_AFTER);
    assert_eq!(
        decisions[7], NEW_SLOT,
        "'g' opens the third batch at slot 0"
    );
    assert!(a.seal(SealReason::Tick));
    let sizes: Vec<i64> = std::iter::from_fn(|| Some(a.start_next()).filter(|&n| n >= 0)).collect();
    assert_eq!(sizes, vec![3, 3, 1]);
    let s = a.stats();
    assert_eq!((s.batches, s.items, s.max_batch_items), (3, 7, 3));
    assert_eq!(s.loads, 8);
    assert_eq!(s.deduped, 1);
    assert_eq!(s.flushes[SealReason::Size as usize], 2);
    assert_eq!(s.flushes[SealReason::Tick as usize], 1);
}

#[test]
fn a_hundred_loads_of_one_key_share_one_slot() {
    let mut a = acc(unlimited());
    let first = add_text(&mut a, "hot", 10);
    assert_eq!(first, NEW_SLOT);
    for _ in 1..100 {
        assert_eq!(add_text(&mut a, "hot", 10), 0);
    }
    let s = a.stats();
    assert_eq!(
        (s.loads, s.deduped, s.queued, s.queued_bytes, s.open_items),
        (100, 99, 100, 10, 1)
    );
    a.seal(SealReason::Manual);
    assert_eq!(a.start_next(), 1);
}

#[test]
fn keys_compare_like_a_javascript_map() {
    let mut a = acc(unlimited());
    assert_eq!(a.add(Some(Key::Number(1.0)), 0), NEW_SLOT);
    assert_eq!(
        add_text(&mut a, "1", 0),
        (1 << 3) | NEW_SLOT,
        "text '1' is not number 1"
    );
    assert_eq!(a.add(Some(Key::Number(0.0)), 0), (2 << 3) | NEW_SLOT);
    assert_eq!(a.add(Some(Key::Number(-0.0)), 0), 2 << 3, "-0 equals 0");
    assert_eq!(a.add(Some(Key::Number(f64::NAN)), 0), (3 << 3) | NEW_SLOT);
    assert_eq!(
        a.add(Some(Key::Number(-f64::NAN)), 0),
        3 << 3,
        "NaN equals NaN"
    );
    assert_eq!(add_text(&mut a, "", 0), (4 << 3) | NEW_SLOT);
    assert_eq!(
        add_text(&mut a, "", 0),
        4 << 3,
        "the empty string is a key too"
    );
    assert_eq!(add_text(&mut a, "\u{1F600}", 0), (5 << 3) | NEW_SLOT);
    assert_eq!(add_text(&mut a, "\u{1F600}", 0), 5 << 3);
    let lone_surrogate = [0xd83d_u16];
    assert_eq!(
        a.add(Some(Key::Text(&lone_surrogate)), 0),
        (6 << 3) | NEW_SLOT,
        "lone surrogates are exact units"
    );
    assert_eq!(a.add(Some(Key::Text(&lone_surrogate)), 0), 6 << 3);
    assert_eq!(
        a.add(None, 0),
        (7 << 3) | NEW_SLOT,
        "keyless loads never join"
    );
    assert_eq!(a.add(None, 0), (8 << 3) | NEW_SLOT);
}

#[test]
fn without_dedupe_identical_keys_take_their_own_slots() {
    let mut a = acc(Limits {
        dedupe: false,
        ..unlimited()
    });
    for i in 0..5 {
        assert_eq!(add_text(&mut a, "same", 0), (i << 3) | NEW_SLOT);
    }
    assert_eq!(a.stats().deduped, 0);
}

#[test]
fn an_item_that_would_overflow_the_bytes_cap_starts_the_next_batch() {
    let mut a = acc(Limits {
        max_batch_bytes: 1000,
        ..unlimited()
    });
    assert_eq!(add_text(&mut a, "a", 400), NEW_SLOT);
    assert_eq!(add_text(&mut a, "b", 400), (1 << 3) | NEW_SLOT);
    assert_eq!(add_text(&mut a, "c", 400), NEW_SLOT | SEALED_BEFORE);
    assert_eq!(
        add_text(&mut a, "a", 400),
        (1 << 3) | NEW_SLOT,
        "'a' lives in the sealed batch"
    );
    assert!(a.seal(SealReason::Tick));
    assert_eq!(a.start_next(), 2);
    assert_eq!(a.start_next(), 2);
    assert_eq!(a.stats().flushes[SealReason::Bytes as usize], 1);
}

#[test]
fn reaching_the_bytes_cap_exactly_seals_the_batch() {
    let mut a = acc(Limits {
        max_batch_bytes: 1000,
        ..unlimited()
    });
    assert_eq!(add_text(&mut a, "a", 600), NEW_SLOT);
    assert_eq!(
        add_text(&mut a, "b", 400),
        (1 << 3) | NEW_SLOT | SEALED_AFTER
    );
    assert_eq!(a.stats().queued_batches, 1);
}

#[test]
fn an_oversize_item_goes_alone_after_sealing_the_open_batch() {
    let mut a = acc(Limits {
        max_batch_bytes: 1000,
        ..unlimited()
    });
    assert_eq!(add_text(&mut a, "small", 10), NEW_SLOT);
    assert_eq!(
        add_text(&mut a, "big", 5000),
        NEW_SLOT | SEALED_BEFORE | SEALED_AFTER
    );
    assert_eq!(
        add_text(&mut a, "big", 5000),
        NEW_SLOT | SEALED_AFTER,
        "alone again, never deduplicated"
    );
    assert_eq!(
        add_text(&mut a, "small", 10),
        NEW_SLOT,
        "a fresh batch: 'small' is new here"
    );
    let s = a.stats();
    assert_eq!(s.flushes[SealReason::Oversize as usize], 2);
    assert_eq!(s.flushes[SealReason::Bytes as usize], 1);
    assert_eq!((s.queued_batches, s.queued_bytes), (3, 10_020));
}

#[test]
fn an_oversize_item_is_rejected_when_asked() {
    let mut a = acc(Limits {
        max_batch_bytes: 1000,
        oversize: Oversize::Reject,
        ..unlimited()
    });
    assert_eq!(add_text(&mut a, "big", 5000), REJECT_TOO_LARGE);
    assert_eq!(add_text(&mut a, "ok", 1000), NEW_SLOT | SEALED_AFTER);
    let s = a.stats();
    assert_eq!((s.rejected_too_large, s.loads, s.queued), (1, 1, 1));
}

#[test]
fn an_item_larger_than_the_queued_bytes_cap_can_never_queue() {
    let mut a = acc(Limits {
        max_queued_bytes: 100,
        ..unlimited()
    });
    assert_eq!(add_text(&mut a, "big", 101), REJECT_TOO_LARGE);
    assert_eq!(add_text(&mut a, "a", 60), NEW_SLOT);
    assert_eq!(
        add_text(&mut a, "b", 60),
        REJECT_QUEUE_FULL,
        "fits alone, not now"
    );
    assert_eq!(add_text(&mut a, "a", 60), 0, "a duplicate adds no bytes");
    a.seal(SealReason::Tick);
    assert_eq!(a.start_next(), 1);
    assert_eq!(
        add_text(&mut a, "b", 60),
        NEW_SLOT,
        "bytes released once the batch started"
    );
}

#[test]
fn the_queued_cap_counts_every_waiting_load_including_duplicates() {
    let mut a = acc(Limits {
        max_queued: 3,
        max_in_flight: 1,
        ..unlimited()
    });
    assert_eq!(add_text(&mut a, "a", 0), NEW_SLOT);
    assert_eq!(add_text(&mut a, "a", 0), 0);
    assert_eq!(add_text(&mut a, "b", 0), (1 << 3) | NEW_SLOT);
    assert_eq!(add_text(&mut a, "a", 0), REJECT_QUEUE_FULL);
    assert_eq!(add_text(&mut a, "c", 0), REJECT_QUEUE_FULL);
    assert_eq!(a.stats().rejected_queue_full, 2);
    a.seal(SealReason::Tick);
    assert_eq!(a.start_next(), 2);
    assert_eq!(
        a.stats().queued,
        0,
        "an executing batch is no longer queued"
    );
    assert_eq!(add_text(&mut a, "c", 0), NEW_SLOT);
}

#[test]
fn the_in_flight_cap_holds_sealed_batches_until_one_completes() {
    let mut a = acc(Limits {
        max_batch_size: 1,
        max_in_flight: 2,
        ..unlimited()
    });
    for k in ["a", "b", "c"] {
        assert_eq!(add_text(&mut a, k, 0), NEW_SLOT | SEALED_AFTER);
    }
    assert_eq!(a.start_next(), 1);
    assert_eq!(a.start_next(), 1);
    assert_eq!(a.start_next(), -1, "two in flight");
    let s = a.stats();
    assert_eq!((s.in_flight, s.queued_batches, s.queued), (2, 1, 1));
    a.complete().expect("one in flight");
    assert_eq!(a.start_next(), 1);
    assert_eq!(a.start_next(), -1, "nothing left");
}

#[test]
fn complete_without_a_batch_in_flight_is_an_invalid_state() {
    let mut a = acc(unlimited());
    assert_eq!(a.complete().unwrap_err().kind, ErrorKind::InvalidState);
}

#[test]
fn releasing_waiters_kills_a_slot_only_when_its_last_waiter_leaves() {
    let mut a = acc(Limits {
        max_batch_bytes: 100,
        ..unlimited()
    });
    add_text(&mut a, "a", 30);
    add_text(&mut a, "a", 30);
    add_text(&mut a, "b", 30);
    let seq = a.open_seq();
    assert!(!a.release(seq, 0).expect("queued"));
    assert!(
        a.release(seq, 0).expect("queued"),
        "last waiter of 'a' left"
    );
    let s = a.stats();
    assert_eq!((s.queued, s.queued_bytes, s.open_items), (1, 30, 1));
    assert_eq!(a.release(seq, 0).unwrap_err().kind, ErrorKind::InvalidState);
    assert_eq!(
        add_text(&mut a, "a", 50),
        NEW_SLOT,
        "'a' revives its dead slot 0"
    );
    assert_eq!(
        add_text(&mut a, "c", 30),
        NEW_SLOT | SEALED_BEFORE,
        "50 + 30 + 30 > 100"
    );
    a.seal(SealReason::Tick);
    assert_eq!(a.start_next(), 2);
    assert_eq!(a.start_next(), 1);
}

#[test]
fn a_batch_whose_every_waiter_left_is_dropped_without_execute() {
    let mut a = acc(unlimited());
    add_text(&mut a, "a", 5);
    let seq = a.open_seq();
    a.seal(SealReason::Tick);
    assert!(a.release(seq, 0).expect("still queued"));
    assert_eq!(a.start_next(), 0);
    let s = a.stats();
    assert_eq!(
        (s.batches, s.in_flight, s.queued, s.queued_bytes),
        (0, 0, 0, 0)
    );
    assert_eq!(
        a.release(seq, 0).unwrap_err().kind,
        ErrorKind::InvalidState,
        "started batches are gone"
    );
    assert_eq!(
        a.release(seq + 7, 0).unwrap_err().kind,
        ErrorKind::InvalidState
    );
}

#[test]
fn sealing_counts_a_flush_reason_only_for_a_batch_with_live_keys() {
    let mut a = acc(unlimited());
    assert!(!a.seal(SealReason::Tick), "nothing open");
    add_text(&mut a, "a", 0);
    a.release(a.open_seq(), 0).expect("open");
    assert!(
        a.seal(SealReason::Time),
        "a batch with a dead slot is still sealed"
    );
    assert_eq!(a.stats().flushes, [0; 7]);
    assert_eq!(a.open_seq(), 1);
}

#[test]
fn clear_drops_everything_not_started_and_advances_the_sequence() {
    let mut a = acc(Limits {
        max_batch_size: 2,
        max_in_flight: 1,
        ..unlimited()
    });
    for k in ["a", "b", "c", "d", "e"] {
        add_text(&mut a, k, 1);
    }
    assert_eq!(a.start_next(), 2);
    assert_eq!(a.clear(), 3);
    let s = a.stats();
    assert_eq!(
        (
            s.queued,
            s.queued_bytes,
            s.queued_batches,
            s.open_items,
            s.in_flight
        ),
        (0, 0, 0, 0, 1)
    );
    assert_eq!(a.open_seq(), 3);
    assert_eq!(
        add_text(&mut a, "a", 1),
        NEW_SLOT,
        "the index was cleared too"
    );
    assert_eq!(a.clear(), 1);
    assert_eq!(a.clear(), 0);
    assert_eq!(
        a.open_seq(),
        4,
        "clearing an empty open batch does not advance"
    );
}

#[test]
fn ingest_decodes_text_number_and_keyless_loads_and_writes_decisions() {
    let mut a = acc(unlimited());
    let text = utf16("abcab");
    let mut stage = vec![
        3.0, 0.0, 1.0, // "abc"
        KEY_NUMBER, 7.0, 2.0, // 7
        2.0, 0.0, 3.0, // "ab"
        KEY_NONE, 0.0, 4.0, // keyless
        KEY_NUMBER, 7.0, 2.0, // 7 again
        0.0, 0.0, 0.0, // ""
    ];
    a.ingest(&text, &mut stage, 6).expect("well formed");
    let decisions: Vec<i32> = stage.chunks(STAGE_STRIDE).map(|c| c[0] as i32).collect();
    assert_eq!(
        decisions,
        vec![
            NEW_SLOT,
            (1 << 3) | NEW_SLOT,
            (2 << 3) | NEW_SLOT,
            (3 << 3) | NEW_SLOT,
            1 << 3,
            (4 << 3) | NEW_SLOT
        ]
    );
    assert_eq!(slot_of(decisions[4]), 1);
    assert_eq!(a.stats().queued_bytes, 10);
}

#[test]
fn malformed_stages_are_refused_whole() {
    let mut a = acc(unlimited());
    let text = utf16("ab");
    for (stage, count) in [
        (vec![0.0, 0.0, 1.0], 2),                       // too short for the count
        (vec![3.0, 0.0, 1.0], 1),                       // text too short
        (vec![-3.0, 0.0, 1.0], 1),                      // unknown kind
        (vec![1.5, 0.0, 1.0], 1),                       // fractional length
        (vec![KEY_NONE, 0.0, -1.0], 1),                 // negative size
        (vec![KEY_NONE, 0.0, f64::NAN], 1),             // NaN size
        (vec![KEY_NONE, 0.0, 0.5], 1),                  // fractional size
        (vec![1.0, 0.0, 1.0, KEY_NONE, 0.0, 1e300], 2), // huge size after a good load
    ] {
        let mut stage = stage;
        let err = a.ingest(&text, &mut stage, count).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgument, "{err}");
    }
    assert_eq!(a.stats().loads, 0, "nothing applied");
}

#[test]
fn limits_name_the_offending_option() {
    let err = Accumulator::new(Limits {
        max_batch_size: 0,
        ..Limits::default()
    })
    .unwrap_err();
    assert!(err.message.contains("options.maxBatchSize"), "{err}");
    let err = Accumulator::new(Limits {
        max_queued_bytes: 0,
        ..Limits::default()
    })
    .unwrap_err();
    assert!(err.message.contains("options.maxQueuedBytes"), "{err}");
    assert_eq!(
        limit_from_f64(f64::INFINITY, "maxQueued").unwrap(),
        u64::MAX
    );
    assert_eq!(limit_from_f64(5.0, "maxQueued").unwrap(), 5);
    for bad in [0.0, -1.0, 1.5, f64::NAN, f64::NEG_INFINITY, 1e300] {
        let err = limit_from_f64(bad, "maxQueued").unwrap_err();
        assert!(err.message.contains("options.maxQueued"), "{err}");
    }
}

#[test]
fn the_index_grows_for_large_batches_and_still_finds_every_key() {
    let mut a = acc(unlimited());
    for i in 0..20_000u32 {
        assert_eq!(
            add_text(&mut a, &format!("key-{i}"), 0),
            (((2 * i) as i32) << 3) | NEW_SLOT
        );
        assert_eq!(
            a.add(Some(Key::Number(f64::from(i))), 0),
            (((2 * i + 1) as i32) << 3) | NEW_SLOT
        );
    }
    for i in (0..20_000u32).step_by(7) {
        assert_eq!(
            add_text(&mut a, &format!("key-{i}"), 0),
            ((2 * i) as i32) << 3
        );
        assert_eq!(
            a.add(Some(Key::Number(f64::from(i))), 0),
            ((2 * i + 1) as i32) << 3
        );
    }
    a.seal(SealReason::Manual);
    assert_eq!(
        add_text(&mut a, "key-0", 0),
        NEW_SLOT,
        "the sealed batch's keys are forgotten"
    );
    a.seal(SealReason::Manual);
    assert_eq!(add_text(&mut a, "key-0", 0), NEW_SLOT);
}

#[test]
fn the_index_shrinks_when_a_small_batch_follows_a_huge_one() {
    let mut index = key_index::KeyIndex::new();
    for i in 0..100_000u32 {
        let vacant = index.vacancy(Key::Number(f64::from(i)));
        index.insert(Key::Number(f64::from(i)), vacant, i);
    }
    assert!(index.bucket_count() >= 200_000);
    index.reset();
    assert!(
        index.bucket_count() >= 200_000,
        "kept while batches are that large"
    );
    for i in 0..10u32 {
        let vacant = index.vacancy(Key::Number(f64::from(i)));
        index.insert(Key::Number(f64::from(i)), vacant, i);
    }
    index.reset();
    assert!(index.bucket_count() <= 1024, "{}", index.bucket_count());
    assert!(index.find(Key::Number(5.0)).is_err());
    index.insert(Key::Number(5.0), index.vacancy(Key::Number(5.0)), 0);
    assert_eq!(index.find(Key::Number(5.0)), Ok(0));
}

#[test]
fn the_index_survives_its_generation_counter_wrapping() {
    let mut index = key_index::KeyIndex::new();
    index.set_generation_for_test(u32::MAX);
    index.insert(Key::Number(1.0), index.vacancy(Key::Number(1.0)), 0);
    assert_eq!(index.find(Key::Number(1.0)), Ok(0));
    index.reset();
    assert!(
        index.find(Key::Number(1.0)).is_err(),
        "stale entries do not come back after the wrap"
    );
    index.insert(Key::Number(2.0), index.vacancy(Key::Number(2.0)), 0);
    assert_eq!(index.find(Key::Number(2.0)), Ok(0));
}

use crate::test_rng::Rng;

#[test]
fn ingest_decides_exactly_as_add_does_one_load_at_a_time() {
    // `ingest` takes a shortcut for the common loads; over random limits,
    // keys, sizes and chunks it must agree with `add` decision by decision.
    let words = ["a", "b", "c", "dd", "", "é", "a"];
    for seed in 1..=400u64 {
        let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let pick = |r: &mut Rng, xs: &[u64]| xs[r.below(xs.len() as u64) as usize];
        let limits = Limits {
            max_batch_size: 1 + r.below(6) as u32,
            max_batch_bytes: pick(&mut r, &[u64::MAX, 8, 20]),
            max_queued: pick(&mut r, &[u64::MAX, 3, 9, 25]),
            max_queued_bytes: pick(&mut r, &[u64::MAX, 15, 40]),
            max_in_flight: pick(&mut r, &[u64::MAX, 1, 2]),
            dedupe: r.below(5) != 0,
            oversize: if r.below(2) == 0 {
                Oversize::Alone
            } else {
                Oversize::Reject
            },
        };
        let mut chunked = acc(limits);
        let mut single = acc(limits);
        for step in 0..60 {
            match r.below(10) {
                0..=5 => {
                    let count = 1 + r.below(10) as usize;
                    let mut text = Vec::new();
                    let mut stage = vec![0.0; count * STAGE_STRIDE];
                    let mut keys = Vec::new();
                    for i in 0..count {
                        let size = if r.below(8) == 0 { 30 } else { r.below(6) };
                        stage[i * STAGE_STRIDE + 2] = size as f64;
                        match r.below(4) {
                            0 => {
                                let n = r.below(4) as f64;
                                stage[i * STAGE_STRIDE] = KEY_NUMBER;
                                stage[i * STAGE_STRIDE + 1] = n;
                                keys.push((Some(Key::Number(n)), None, size));
                            }
                            1 => {
                                stage[i * STAGE_STRIDE] = KEY_NONE;
                                keys.push((None, None, size));
                            }
                            _ => {
                                let w = utf16(words[r.below(words.len() as u64) as usize]);
                                stage[i * STAGE_STRIDE] = w.len() as f64;
                                text.extend_from_slice(&w);
                                keys.push((None, Some(w), size));
                            }
                        }
                    }
                    chunked
                        .ingest(&text, &mut stage, count)
                        .expect("well formed");
                    for (i, (number, word, size)) in keys.iter().enumerate() {
                        let key = number.or(word.as_deref().map(Key::Text));
                        let expected = single.add(key, *size);
                        assert_eq!(
                            stage[i * STAGE_STRIDE] as i32,
                            expected,
                            "seed {seed} step {step} load {i}"
                        );
                    }
                }
                6 => assert_eq!(
                    chunked.seal(SealReason::Tick),
                    single.seal(SealReason::Tick)
                ),
                7 | 8 => {
                    let started = chunked.start_next();
                    assert_eq!(started, single.start_next(), "seed {seed} step {step}");
                }
                _ => assert_eq!(
                    chunked.complete().is_ok(),
                    single.complete().is_ok(),
                    "seed {seed} step {step}"
                ),
            }
            assert_eq!(
                chunked.stats().to_vec(),
                single.stats().to_vec(),
                "seed {seed} step {step}"
            );
        }
    }
}
