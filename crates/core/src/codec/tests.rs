use super::*;

use crate::test_rng::Rng;

const LIMIT: usize = 64 << 20;

/// Text-like bytes that compress well but not trivially.
fn text(len: usize, seed: u64) -> Vec<u8> {
    let words: [&[u8]; 8] = [
        b"{\"id\":",
        b"\"status\":\"active\",",
        b"\"amount\":",
        b"\"currency\":\"EUR\"},",
        b"\"orders\":[",
        b"\"createdAt\":\"2024-05-01\",",
        b"\"tags\":[\"a\",\"b\"],",
        b"\"name\":\"tiercache\",",
    ];
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(len + 32);
    while out.len() < len {
        out.extend_from_slice(words[rng.below(8) as usize]);
        out.extend_from_slice(rng.below(1_000_000).to_string().as_bytes());
    }
    out.truncate(len);
    out
}

/// One frame of `input` at level 3.
fn frame(input: &[u8], checksum: bool, dictionary: Option<&[u8]>) -> Vec<u8> {
    Compressor::new(3, checksum, dictionary)
        .unwrap()
        .compress(input)
        .unwrap()
}

/// Byte 4 of a frame: the frame header descriptor.
fn descriptor(frame: &[u8]) -> u8 {
    frame[4]
}

#[test]
fn round_trip_restores_the_bytes_for_every_size_with_and_without_checksum() {
    for checksum in [false, true] {
        let mut compressor = Compressor::new(3, checksum, None).unwrap();
        let mut decompressor = Decompressor::new().unwrap();
        for len in [0, 1, 100, 4096, 300_000] {
            let input = text(len, len as u64 + 1);
            let frame = compressor.compress(&input).unwrap();
            assert_eq!(decompressor.decompress(&frame, 0, LIMIT).unwrap(), input);
        }
    }
}

#[test]
fn frames_declare_their_size_carry_no_dictionary_id_and_a_checksum_only_when_asked() {
    let input = text(10_000, 3);
    for checksum in [false, true] {
        let dictionary = text(4096, 9);
        let mut compressor = Compressor::new(3, checksum, Some(&dictionary)).unwrap();
        let frame = compressor.compress(&input).unwrap();
        assert_eq!(&frame[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
        let d = descriptor(&frame);
        assert_ne!(d >> 6, 0, "content size field present");
        assert_eq!(d & 0b11, 0, "no dictionary id field");
        assert_eq!(d & 0b100 != 0, checksum, "checksum flag");
        assert_eq!(
            zstd_safe::get_frame_content_size(&frame).unwrap(),
            Some(10_000)
        );
    }
}

#[test]
fn frames_are_standard_zstd_readable_by_the_zstd_crate() {
    let input = text(50_000, 4);
    let frame = Compressor::new(5, true, None)
        .unwrap()
        .compress(&input)
        .unwrap();
    assert_eq!(zstd::bulk::decompress(&frame, input.len()).unwrap(), input);
}

#[test]
fn dictionaries_are_found_by_the_id_the_envelope_names() {
    let dictionary = text(8192, 21);
    let input = text(1024, 22);
    let frame = frame(&input, true, Some(&dictionary));
    let mut decompressor = Decompressor::new().unwrap();
    let missing = decompressor.decompress(&frame, 77, LIMIT).unwrap_err();
    assert_eq!(missing.kind, ErrorKind::Dictionary);
    assert!(
        missing.message.contains("dictionary 77"),
        "{}",
        missing.message
    );
    decompressor
        .add_dictionary(77, &dictionary, "options.dictionary")
        .unwrap();
    assert_eq!(decompressor.decompress(&frame, 77, LIMIT).unwrap(), input);
    // The same frame through the streaming path (which loads the bytes, not the DDict).
    assert_eq!(
        decompressor
            .decompress_streaming(&frame, 77, LIMIT)
            .unwrap(),
        input
    );
}

#[test]
fn a_dictionary_makes_small_values_smaller() {
    let dictionary = text(16_384, 31);
    let input = text(600, 32);
    let plain = frame(&input, false, None);
    let with = frame(&input, false, Some(&dictionary));
    assert!(
        with.len() < plain.len(),
        "{} vs {}",
        with.len(),
        plain.len()
    );
}

#[test]
fn a_declared_size_over_the_limit_is_rejected_before_decoding() {
    let input = text(10_001, 5);
    let frame = frame(&input, false, None);
    let mut decompressor = Decompressor::new().unwrap();
    let err = decompressor.decompress(&frame, 0, 10_000).unwrap_err();
    assert_eq!(err.kind, ErrorKind::TooLarge);
    assert_eq!(
        err.message,
        "encoded value decompresses to 10001 bytes, more than maxDecompressedBytes (10000); rejected before allocating"
    );
    assert_eq!(decompressor.decompress(&frame, 0, 10_001).unwrap(), input);
}

#[test]
fn a_header_claiming_four_gib_is_rejected_by_inspect() {
    // Magic, descriptor 0xE0 (8-byte size, single segment), the size, one raw block of 3 bytes.
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0xe0];
    frame.extend_from_slice(&(4u64 << 30).to_le_bytes());
    frame.extend_from_slice(&[0x19, 0x00, 0x00, 1, 2, 3]);
    let err = Decompressor::inspect(&frame, LIMIT).unwrap_err();
    assert_eq!(err.kind, ErrorKind::TooLarge);
    assert!(err
        .message
        .starts_with("encoded value decompresses to 4294967296 bytes"));
}

/// A frame without a content size: `blocks` RLE blocks of 128 KiB (4 bytes each on the wire).
fn rle_bomb(blocks: usize, window_descriptor: u8) -> Vec<u8> {
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, window_descriptor];
    for i in 0..blocks {
        let last = u32::from(i == blocks - 1);
        let header = last | (1 << 1) | ((128 * 1024) << 3);
        frame.extend_from_slice(&header.to_le_bytes()[..3]);
        frame.push(0x41);
    }
    frame
}

#[test]
fn a_frame_without_a_size_is_streamed_and_stopped_just_past_the_limit() {
    let mut decompressor = Decompressor::new().unwrap();
    // Window 2 MiB (exponent 11), 64 blocks: 8 MiB of output from 262 bytes.
    let bomb = rle_bomb(64, 11 << 3);
    assert_eq!(
        Decompressor::inspect(&bomb, LIMIT).unwrap(),
        FrameSize::Unknown
    );
    assert_eq!(
        decompressor.decompress(&bomb, 0, LIMIT).unwrap(),
        vec![0x41; 8 << 20]
    );
    let err = decompressor.decompress(&bomb, 0, 1 << 20).unwrap_err();
    assert_eq!(err.kind, ErrorKind::TooLarge);
    assert_eq!(
        err.message,
        "encoded value decompresses to more than maxDecompressedBytes (1048576); stopped while streaming"
    );
}

#[test]
fn a_frame_needing_a_window_above_eight_mib_is_too_large() {
    // Window 16 MiB (exponent 14): over the HTTP profile's 8 MiB.
    let bomb = rle_bomb(2, 14 << 3);
    let err = Decompressor::new()
        .unwrap()
        .decompress(&bomb, 0, LIMIT)
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::TooLarge);
    assert!(
        err.message.contains("window above 8 MiB"),
        "{}",
        err.message
    );
}

#[test]
fn truncation_at_any_byte_and_trailing_bytes_are_corrupt_never_a_panic() {
    let input = text(5000, 6);
    let frame = frame(&input, true, None);
    let mut decompressor = Decompressor::new().unwrap();
    for cut in 0..frame.len() {
        let err = decompressor
            .decompress(&frame[..cut], 0, LIMIT)
            .unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::Corrupt,
            "cut at {cut}: {}",
            err.message
        );
    }
    let mut trailing = frame.clone();
    trailing.extend_from_slice(&[0, 0, 0]);
    let err = decompressor.decompress(&trailing, 0, LIMIT).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Corrupt);
    assert_eq!(err.message, "zstd frame is followed by 3 unexpected bytes");
}

#[test]
fn a_truncated_frame_without_a_size_stops_with_an_error() {
    let bomb = rle_bomb(8, 11 << 3);
    let mut decompressor = Decompressor::new().unwrap();
    for cut in 6..bomb.len() {
        let err = decompressor
            .decompress_streaming(&bomb[..cut], 0, LIMIT)
            .unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::Corrupt,
            "cut at {cut}: {}",
            err.message
        );
    }
}

#[test]
fn a_flipped_byte_is_caught_by_the_checksum() {
    let input = text(20_000, 7);
    let mut frame = frame(&input, true, None);
    let last = frame.len() - 1;
    frame[last] ^= 0xff; // inside the 4-byte checksum
    let err = Decompressor::new()
        .unwrap()
        .decompress(&frame, 0, LIMIT)
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Corrupt);
    assert!(
        err.message.starts_with("zstd frame is corrupt: "),
        "{}",
        err.message
    );
}

#[test]
fn compress_into_refuses_an_output_that_may_be_too_small() {
    let input = text(1000, 8);
    let mut out = vec![0; compress_bound(input.len()) - 1];
    let err = Compressor::new(3, false, None)
        .unwrap()
        .compress_into(&input, &mut out)
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument);
}

#[test]
fn dictionary_id_zero_is_refused() {
    let err = Decompressor::new()
        .unwrap()
        .add_dictionary(0, &text(1000, 1), "options.dictionary")
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument);
}

#[test]
fn decompress_into_fills_a_buffer_of_the_declared_size_and_refuses_any_other() {
    let input = text(3000, 12);
    let frame = frame(&input, true, None);
    let mut decompressor = Decompressor::new().unwrap();
    assert_eq!(frame_content_size(&frame).unwrap(), Some(3000));
    let mut out = vec![0; 3000];
    decompressor
        .decompress_into(&frame, 0, LIMIT, &mut out)
        .unwrap();
    assert_eq!(out, input);
    let mut short = vec![0; 2999];
    let err = decompressor
        .decompress_into(&frame, 0, LIMIT, &mut short)
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument);
    // The guard still runs first.
    let err = decompressor
        .decompress_into(&frame, 0, 2999, &mut out)
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::TooLarge);
}
