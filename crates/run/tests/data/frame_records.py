"""Frames five known events as TFRecords, independently of the Rust code, and prints each record in hex.

The protobuf bytes are written out by hand below; when tensorboard is importable they are also
checked against its own `event_pb2` serialisation. The CRC-32C is computed bit by bit (the Rust
code uses a table). tests/record.rs holds this script's output:

    python3 tests/data/frame_records.py
"""

import struct


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def masked(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame(data):
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked(length)) + data + struct.pack("<I", masked(data))


def varint(n):
    out = b""
    while n >= 0x80:
        out += bytes([n & 0x7F | 0x80])
        n >>= 7
    return out + bytes([n])


def key(field, wire):
    return varint(field << 3 | wire)


def length_delimited(field, payload):
    return key(field, 2) + varint(len(payload)) + payload


def event(wall_time, step, what):
    out = key(1, 1) + struct.pack("<d", wall_time)
    if step:
        out += key(2, 0) + varint(step)
    return out + what


PNG = b"\x89PNG\r\n\x1a\n"
TEXT = "lambda = 1\nσ = 2"

scalar_value = length_delimited(1, b"loss/d") + key(2, 5) + struct.pack("<f", 0.1)
image = key(1, 0) + varint(2) + key(2, 0) + varint(3) + key(3, 0) + varint(1) + length_delimited(4, PNG)
image_value = length_delimited(1, b"samples") + length_delimited(4, image)
tensor = key(1, 0) + varint(7) + length_delimited(2, b"") + length_delimited(8, TEXT.encode())
metadata = length_delimited(1, length_delimited(1, b"text"))
text_value = length_delimited(1, b"config") + length_delimited(8, tensor) + length_delimited(9, metadata)

EVENTS = [
    event(1700000000.5, 0, length_delimited(3, b"brain.Event:2")),
    event(1700000001.25, 300, length_delimited(5, length_delimited(1, scalar_value))),
    event(1700000002.0, 600, length_delimited(5, length_delimited(1, image_value))),
    event(1700000003.0, 600, length_delimited(5, length_delimited(1, text_value))),
    event(1700000004.0, 0, length_delimited(7, key(1, 0) + varint(1))),
]


def check_against_tensorboard():
    try:
        from tensorboard.compat.proto import event_pb2
    except ImportError:
        return "tensorboard not importable: protobuf bytes not cross-checked"
    expected = []
    e = event_pb2.Event(wall_time=1700000000.5, step=0, file_version="brain.Event:2")
    expected.append(e)
    e = event_pb2.Event(wall_time=1700000001.25, step=300)
    e.summary.value.add(tag="loss/d", simple_value=0.1)
    expected.append(e)
    e = event_pb2.Event(wall_time=1700000002.0, step=600)
    v = e.summary.value.add(tag="samples")
    v.image.height, v.image.width, v.image.colorspace, v.image.encoded_image_string = 2, 3, 1, PNG
    expected.append(e)
    e = event_pb2.Event(wall_time=1700000003.0, step=600)
    v = e.summary.value.add(tag="config")
    v.metadata.plugin_data.plugin_name = "text"
    v.tensor.dtype = 7
    v.tensor.tensor_shape.SetInParent()
    v.tensor.string_val.append(TEXT.encode())
    expected.append(e)
    e = event_pb2.Event(wall_time=1700000004.0, step=0)
    e.session_log.status = event_pb2.SessionLog.START
    expected.append(e)
    for i, (mine, theirs) in enumerate(zip(EVENTS, expected)):
        assert mine == theirs.SerializeToString(), f"event {i}: {mine.hex()} != {theirs.SerializeToString().hex()}"
    return "protobuf bytes equal tensorboard's event_pb2 serialisation"


if __name__ == "__main__":
    print("# " + check_against_tensorboard())
    for data in EVENTS:
        print(frame(data).hex())
