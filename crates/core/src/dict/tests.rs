use super::*;

use crate::test_rng::Rng;

/// JSON values of about 1 KiB shaped like API records: shared keys, unique ids and numbers.
fn json_samples(count: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng(seed);
    let statuses = ["active", "suspended", "pending", "closed"];
    (0..count)
        .map(|i| {
            let mut s = format!(
                "{{\"id\":\"usr_{:016x}\",\"index\":{},\"status\":\"{}\",\"balance\":{}.{:02},\"tags\":[",
                rng.next(),
                i,
                statuses[rng.below(4) as usize],
                rng.below(1_000_000),
                rng.below(100)
            );
            for t in 0..(3 + rng.below(4)) {
                if t > 0 {
                    s.push(',');
                }
                s.push_str(&format!("\"tag-{}\"", rng.below(50)));
            }
            s.push_str("],\"orders\":[");
            for o in 0..(4 + rng.below(4)) {
                if o > 0 {
                    s.push(',');
                }
                s.push_str(&format!(
                    "{{\"orderId\":\"ord_{:012x}\",\"amount\":{},\"currency\":\"EUR\",\"createdAt\":\"2024-{:02}-{:02}T{:02}:{:02}:00Z\"}}",
                    rng.next() & 0xffff_ffff_ffff,
                    rng.below(100_000),
                    1 + rng.below(12),
                    1 + rng.below(28),
                    rng.below(24),
                    rng.below(60)
                ));
            }
            s.push_str("]}");
            s.into_bytes()
        })
        .collect()
}

fn concat(samples: &[Vec<u8>]) -> (Vec<u8>, Vec<usize>) {
    let sizes = samples.iter().map(Vec::len).collect();
    (samples.concat(), sizes)
}

#[test]
fn trained_dictionary_fits_the_budget_and_declares_an_id() {
    let (data, sizes) = concat(&json_samples(2000, 1));
    let dict = train(&data, &sizes, 16 * 1024).expect("training succeeds on 2000 samples");
    assert!(
        dict.len() <= 16 * 1024,
        "dictionary of {} bytes exceeds the budget",
        dict.len()
    );
    assert!(dict.len() >= MIN_DICTIONARY_BYTES);
    let id = dictionary_id(&dict).expect("a trained dictionary declares a non-zero id");
    assert_ne!(id, 0);
}

#[test]
fn training_is_deterministic() {
    let (data, sizes) = concat(&json_samples(1000, 7));
    let a = train(&data, &sizes, 8 * 1024).unwrap();
    let b = train(&data, &sizes, 8 * 1024).unwrap();
    assert_eq!(a, b);
}

#[test]
fn dictionary_shrinks_small_json_values_more_than_plain_zstd() {
    let (data, sizes) = concat(&json_samples(2000, 3));
    let dict = train(&data, &sizes, 16 * 1024).unwrap();
    // Values not seen in training.
    let fresh = json_samples(200, 99);
    let mut plain = zstd::bulk::Compressor::new(3).unwrap();
    let mut with_dict = zstd::bulk::Compressor::with_dictionary(3, &dict).unwrap();
    let mut decompressor = zstd::bulk::Decompressor::with_dictionary(&dict).unwrap();
    let (mut raw, mut plain_total, mut dict_total) = (0usize, 0usize, 0usize);
    for value in &fresh {
        raw += value.len();
        plain_total += plain.compress(value).unwrap().len();
        let compressed = with_dict.compress(value).unwrap();
        dict_total += compressed.len();
        assert_eq!(
            &decompressor.decompress(&compressed, value.len()).unwrap(),
            value
        );
    }
    let plain_ratio = raw as f64 / plain_total as f64;
    let dict_ratio = raw as f64 / dict_total as f64;
    assert!(
        dict_ratio > plain_ratio,
        "dictionary ratio {dict_ratio:.2} should beat plain zstd {plain_ratio:.2}"
    );
}

#[test]
fn rejects_a_budget_outside_the_supported_range() {
    let (data, sizes) = concat(&json_samples(100, 1));
    for bad in [0, MIN_DICTIONARY_BYTES - 1, MAX_DICTIONARY_BYTES + 1] {
        let err = train(&data, &sizes, bad).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgument);
        assert!(err.message.contains("maxBytes"), "{}", err.message);
    }
}

#[test]
fn rejects_sizes_that_do_not_add_up_to_the_data() {
    let (data, mut sizes) = concat(&json_samples(100, 1));
    sizes[0] += 1;
    let err = train(&data, &sizes, 4096).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument);
    assert!(err.message.contains("add up"), "{}", err.message);
    let err = train(&data, &[usize::MAX, 2], 4096).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument);
}

#[test]
fn rejects_no_samples() {
    let err = train(&[], &[], 4096).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument);
}

#[test]
fn too_little_data_is_a_dictionary_error_not_a_panic() {
    let samples = vec![b"{\"a\":1}".to_vec(); 3];
    let (data, sizes) = concat(&samples);
    let err = train(&data, &sizes, 4096).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Dictionary);
    assert!(
        err.message.contains("dictionary training failed"),
        "{}",
        err.message
    );
}

#[test]
fn raw_content_dictionaries_have_no_declared_id() {
    assert_eq!(dictionary_id(b"just some bytes used as history"), None);
    assert_eq!(dictionary_id(b""), None);
    let mut zero_id = DICTIONARY_MAGIC.to_le_bytes().to_vec();
    zero_id.extend_from_slice(&[0, 0, 0, 0, 1, 2, 3]);
    assert_eq!(dictionary_id(&zero_id), None);
}
