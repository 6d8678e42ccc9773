"""PNG checks without an imaging library: the signature, every chunk's CRC, the IHDR size, and
the decompressed image data (the pixels, row-filtered) for comparing two images."""

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """[(type, payload)], asserting the signature, each CRC and that IEND ends the file."""
    assert data[:8] == SIGNATURE, "not a PNG"
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        payload = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + payload) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, payload))
        offset += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    return chunks


def png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png_chunks(data)[0][1][:8])
    return width, height


def png_pixels(data: bytes) -> bytes:
    """The decompressed IDAT stream: each row's filter byte and its pixels."""
    stream = b"".join(payload for kind, payload in png_chunks(data) if kind == b"IDAT")
    width, height = png_size(data)
    raw = zlib.decompress(stream)
    assert len(raw) >= height * (width + 1), "truncated image data"
    return raw


def png_pixels_differ(a: bytes, b: bytes) -> bool:
    return png_size(a) != png_size(b) or png_pixels(a) != png_pixels(b)
