"""The decompression-bomb pre-check: before a PDF library decodes a stream whole, every stream whose
filters could make it grow past the memory budget is decoded here piecewise, through its whole chain
of filters (FlateDecode, LZWDecode, RunLengthDecode, ASCII85Decode, ASCIIHexDecode, in the order its
/Filter lists them), counting bytes and throwing them away; an image's declared size (/Width ×
/Height × components) is checked without decoding it. Past the budget the file is `too_large`:
pdfium aborts the process when an allocation fails, so it must not be the one to find out.

The filters are decoded here, in a few lines each, because no PDF library decodes a stream
piecewise with a bound on what it yields."""
from __future__ import annotations

import base64
import itertools
import re
import zlib
from collections.abc import Callable, Iterable, Iterator

from pipeline.load.backend import InputError

# The most bytes one input byte can become through each filter (its abbreviation in inline images
# too): deflate ~1032; LZW's 12-bit codes, each at most ~3,840 bytes (a table of 4,096 entries, each
# one byte longer than an earlier one), ~2,600 a byte; RunLength 128 bytes from 2; ASCII85 4 from
# `z`; ASCIIHex shrinks. A stream whose size times the product over its chain stays within the
# budget cannot be a bomb and is not decoded.
GROWTH = {"FlateDecode": 1032, "Fl": 1032, "LZWDecode": 2600, "LZW": 2600, "RunLengthDecode": 64, "RL": 64,
          "ASCII85Decode": 4, "A85": 4, "ASCIIHexDecode": 1, "AHx": 1}
IMAGE_CODECS = {"DCTDecode", "DCT", "JPXDecode", "CCITTFaxDecode", "CCF", "JBIG2Decode"}
CHUNK = 1 << 20         # bytes a decoder yields at a time
DICT_REACH = 4096       # bytes before `stream` searched for its dictionary


def check_streams(raw: bytes, budget: int) -> None:
    """InputError `too_large` when a stream of `raw` decodes to more than `budget` bytes, or an
    image declares more than that many."""
    view = memoryview(raw)
    for m in re.finditer(rb"stream\r?\n", raw):
        if raw[max(0, m.start() - 3):m.start()] == b"end":
            continue
        end = raw.find(b"endstream", m.end())
        end = len(raw) if end < 0 else end
        head = raw[max(0, m.start() - DICT_REACH):m.start()]
        found = head.rfind(b"obj")
        head = head[found + 3:] if found >= 0 else head
        image = _image_bytes(head)
        if image > budget:
            raise InputError("too_large", f"an image declares {image >> 20} MiB of pixels, more than a quarter of "
                                          "the worker's memory limit (--max-memory)")
        chain = _chain(head, raw)
        growth = 1
        for name in chain:
            growth *= GROWTH[name]
        if not chain or (end - m.end()) * growth <= budget:
            continue
        size = 0
        for piece in decoded(chain, view[m.end():end]):
            size += len(piece)
            if size > budget:
                raise InputError("too_large", f"a compressed stream ({' + '.join(chain)}) inflates past "
                                              f"{budget >> 20} MiB, a quarter of the worker's memory limit "
                                              "(--max-memory)")


def _chain(head: bytes, raw: bytes) -> list[str]:
    """The filters of the stream whose dictionary ends `head`, up to the first image codec (which
    `_image_bytes` bounds) or one not known; a /Filter given as an indirect object is looked up in
    `raw` (taken for FlateDecode, the common one, when it cannot be found)."""
    m = re.search(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+|(\d+)\s+(\d+)\s+R)", head)
    if not m:
        return []
    value = m.group(1)
    if m.group(2):
        target = re.search(rb"(?<!\d)" + m.group(2) + rb"\s+" + m.group(3) + rb"\s+obj\s*(\[[^\]]*\]|/[A-Za-z0-9]+)",
                           raw)
        value = target.group(1) if target else b"/FlateDecode"
    chain = []
    for name in (n.decode() for n in re.findall(rb"/([A-Za-z0-9]+)", value)):
        if name not in GROWTH:
            break
        chain.append(name)
    return chain


def _number(head: bytes, key: bytes) -> int:
    m = re.search(rb"/" + key + rb"\s+(\d+)(?!\s+\d+\s+R)", head)
    return int(m.group(1)) if m else 0


def _image_bytes(head: bytes) -> int:
    """Bytes of the decoded image an image XObject declares (0 for any other stream)."""
    if not re.search(rb"/Subtype\s*/Image\b", head):
        return 0
    if re.search(rb"/DeviceCMYK", head):
        components = 4
    elif re.search(rb"/DeviceGray|/ImageMask\s+true|/Indexed|/CalGray", head):
        components = 1
    else:
        components = 3
    bits = _number(head, b"BitsPerComponent") or 8
    return _number(head, b"Width") * _number(head, b"Height") * components * bits // 8


def decoded(chain: list[str], data) -> Iterator[bytes]:
    """`data` decoded through `chain`, piece by piece (a damaged stream ends where it breaks)."""
    pieces: Iterable[bytes] = (bytes(data[i:i + CHUNK]) for i in range(0, len(data), CHUNK))
    for name in chain:
        pieces = _rebatched(DECODERS[GROWTH_NAME.get(name, name)](pieces))
    return iter(pieces)


def _rebatched(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The decoded bytes in pieces of about CHUNK: a decoder yields what each step gives (a run, a
    code's string), this gathers them, so that the next decoder and the size count see few pieces."""
    out = bytearray()
    for piece in pieces:
        out += piece
        if len(out) >= CHUNK:
            yield bytes(out)
            out = bytearray()
    if out:
        yield bytes(out)


def _flate(pieces: Iterable[bytes]) -> Iterator[bytes]:
    d = zlib.decompressobj()
    for data in pieces:
        while data:
            try:
                out = d.decompress(data, CHUNK)
            except zlib.error:
                return
            if out:
                yield out
            if d.eof:
                return
            if not out and d.unconsumed_tail == data:
                break
            data = d.unconsumed_tail


def _hex(pieces: Iterable[bytes]) -> Iterator[bytes]:
    for digits in _encoded_groups(pieces, b">", lambda d: re.sub(rb"[^0-9A-Fa-f]", b"", d), 2):
        yield bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())     # a last odd digit: …0


def _a85(pieces: Iterable[bytes]) -> Iterator[bytes]:
    rest = iter(pieces)
    first = next(rest, b"").lstrip()
    first = first[2:] if first.startswith(b"<~") else first
    chars = _encoded_groups(itertools.chain([first], rest), b"~",
                            lambda d: re.sub(rb"\s", b"", d).replace(b"z", b"!!!!!"), 5)
    for group in chars:
        try:
            yield base64.a85decode(group)
        except ValueError:
            return


def _encoded_groups(pieces: Iterable[bytes], end: bytes, clean: Callable[[bytes], bytes],
                    size: int) -> Iterator[bytes]:
    """A text-encoded stream (hex digits, base-85 chars) up to its end mark, cleaned, in whole groups
    of `size` chars a piece (a group may straddle two pieces); a last partial group on its own."""
    carry = b""
    for data in pieces:
        stop = data.find(end)
        chars = carry + clean(data if stop < 0 else data[:stop])
        whole = len(chars) // size * size
        yield chars[:whole]
        carry = chars[whole:]
        if stop >= 0:
            break
    if carry:
        yield carry


def _run_length(pieces: Iterable[bytes]) -> Iterator[bytes]:
    buf = b""
    for data in pieces:
        buf += data
        i = 0
        while i < len(buf):
            n = buf[i]
            if n == 128:
                return
            if n < 128:             # n + 1 bytes follow, copied
                if i + n + 2 > len(buf):
                    break
                yield buf[i + 1:i + n + 2]
                i += n + 2
            else:                   # one byte follows, repeated 257 − n times
                if i + 2 > len(buf):
                    break
                yield buf[i + 1:i + 2] * (257 - n)
                i += 2
        buf = buf[i:]


def _lzw(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """PDF's LZW: codes of 9 to 12 bits, most significant bit first, 256 clears the table, 257 ends
    the data, and the code width grows one code early (EarlyChange 1, the default)."""
    table: list[bytes] = [bytes([i]) for i in range(256)] + [b"", b""]
    width, bits, held, prev = 9, 0, 0, None
    for data in pieces:
        for byte in data:
            bits, held = (bits << 8) | byte, held + 8
            while held >= width:
                held -= width
                code = bits >> held
                bits &= (1 << held) - 1
                if code == 256:
                    del table[258:]
                    width, prev = 9, None
                    continue
                if code == 257:
                    return
                if code < len(table) and code != 256:
                    entry = table[code]
                    if prev is not None and len(table) < 4096:
                        table.append(prev + entry[:1])
                elif prev is not None and code == len(table):
                    entry = prev + prev[:1]
                    table.append(entry)
                else:               # a code no table holds: damaged, it ends here
                    return
                yield entry
                prev = entry
                if len(table) + 1 >= 1 << width and width < 12:
                    width += 1


DECODERS = {"FlateDecode": _flate, "LZWDecode": _lzw, "RunLengthDecode": _run_length, "ASCII85Decode": _a85,
            "ASCIIHexDecode": _hex}
GROWTH_NAME = {"Fl": "FlateDecode", "LZW": "LZWDecode", "RL": "RunLengthDecode", "A85": "ASCII85Decode",
               "AHx": "ASCIIHexDecode"}
