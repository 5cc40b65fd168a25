//! The record framing and the event encoding, against bytes computed elsewhere: the CRC-32C check
//! values of RFC 3720 (iSCSI, appendix B.4) and records framed by tests/data/frame_records.py
//! (its own bitwise CRC-32C and hand-written protobuf, checked there against tensorboard's
//! `event_pb2`).

use hsic_infogan_run::tensorboard::record::{RECORD_OVERHEAD, crc32c, frame_record, masked_crc32c};
use hsic_infogan_run::tensorboard::{Data, Event, FILE_VERSION, Image, Value, What};

#[test]
fn crc32c_gives_the_check_values_of_rfc_3720() {
    assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
    assert_eq!(crc32c(&[0xFFu8; 32]), 0x62A8_AB43);
    assert_eq!(crc32c(&(0..32).collect::<Vec<u8>>()), 0x46DD_794E);
    assert_eq!(crc32c(&(0..32).rev().collect::<Vec<u8>>()), 0x113F_DB5C);
    assert_eq!(crc32c(b""), 0);
    // The mask: rotate right by 15, add 0xa282ead8.
    assert_eq!(masked_crc32c(b"123456789"), 0xE306_9283u32.rotate_right(15).wrapping_add(0xa282_ead8));
}

/// The events tests/data/frame_records.py frames, in its order.
fn known_events() -> Vec<Event> {
    let summary = |tag: &str, data| What::Summary(vec![Value { tag: tag.into(), data }]);
    let png = b"\x89PNG\r\n\x1a\n".to_vec();
    vec![
        Event { wall_time: 1700000000.5, step: 0, what: What::FileVersion(FILE_VERSION.into()) },
        Event { wall_time: 1700000001.25, step: 300, what: summary("loss/d", Data::Scalar(0.1)) },
        Event {
            wall_time: 1700000002.0,
            step: 600,
            what: summary("samples", Data::Image(Image { width: 3, height: 2, channels: 1, png })),
        },
        Event { wall_time: 1700000003.0, step: 600, what: summary("config", Data::Text("lambda = 1\nσ = 2".into())) },
        Event { wall_time: 1700000004.0, step: 0, what: What::SessionStart },
    ]
}

/// The output of `python3 tests/data/frame_records.py`.
const PYTHON_RECORDS: [&str; 5] = [
    "1800000000000000a37f4b220900002040fc54d9411a0d627261696e2e4576656e743a322b353110",
    "1d00000000000000602fdf230900005040fc54d94110ac022a0f0a0d0a066c6f73732f6415cdcccc3d0bf5cd56",
    "2b00000000000000861bc34b0900008040fc54d94110d8042a1d0a1b0a0773616d706c65732210080210031801220889504e470d0a1a0a\
     e6081e9f",
    "3b000000000000001a23ac5c090000c040fc54d94110d8042a2d0a2b0a06636f6e66696742170807120042116c616d626461203d2031\
     0acf83203d20324a080a060a0474657874814d7c49",
    "0d000000000000003c37b8340900000041fc54d9413a0208017a3bfccc",
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn records_equal_the_bytes_python_frames_and_decode_back() {
    for (event, python) in known_events().iter().zip(PYTHON_RECORDS) {
        let data = event.encode();
        assert_eq!(hex(&frame_record(&data)), python, "{event:?}");
        assert_eq!(&Event::decode(&data).unwrap(), event);
    }
}

#[test]
fn an_event_costs_its_values_and_30_bytes() {
    let scalar = |tags: &[&str]| Event {
        wall_time: 1.7e9,
        step: 1000,
        what: What::Summary(tags.iter().map(|t| Value { tag: t.to_string(), data: Data::Scalar(0.5) }).collect()),
    };
    // One scalar of a 6-byte tag at step 1000 (a 2-byte varint): 9 bytes of wall time, 3 of
    // step, 2 of summary header, 2 of value header, 8 of tag, 5 of float; and the framing.
    assert_eq!(RECORD_OVERHEAD, 16);
    assert_eq!(frame_record(&scalar(&["loss/d"]).encode()).len(), 45);
    assert_eq!(frame_record(&scalar(&["loss/d", "loss/g", "reg/hs", "hsic/x"]).encode()).len(), 30 + 4 * 15);
    // An image: its PNG bytes and 55 more, for a 7-byte tag, a 28x28 grey image and a PNG of 5,000
    // bytes (2-byte lengths, as for any PNG of 128 to about 16,000 bytes).
    let png = vec![0u8; 5000];
    let image = Image { width: 28, height: 28, channels: 1, png: png.clone() };
    let event = Event {
        wall_time: 1.7e9,
        step: 1000,
        what: What::Summary(vec![Value { tag: "samples".into(), data: Data::Image(image) }]),
    };
    assert_eq!(frame_record(&event.encode()).len(), png.len() + 55);
}

#[test]
fn a_negative_step_and_unknown_fields_decode() {
    let event = Event { wall_time: 2.5, step: -3, what: What::Summary(vec![]) };
    assert_eq!(Event::decode(&event.encode()).unwrap(), event);
    // A graph_def (field 4) and an unknown field 99 (varint) after the step.
    let mut data = Event { wall_time: 2.5, step: 7, what: What::Other }.encode();
    data.extend_from_slice(&[0x22, 0x01, 0x00, 0x98, 0x06, 0x05]);
    assert_eq!(Event::decode(&data).unwrap(), Event { wall_time: 2.5, step: 7, what: What::Other });
    assert!(Event::decode(&[0x0a, 0x05, 0x00]).unwrap_err().contains("5 bytes"));
}
