"""The OCR load backend: a scanned page's image → the same records the text backends give.

A page image (rendered by load.py, which alone decides which backend reads a page) is cleaned of
its red seal, turned upright when it was scanned sideways or upside down, deskewed, its ruling
lines found with OpenCV (adaptive threshold, opening with long thin kernels, connected
components) and erased, and its text read by rapidocr (PaddleOCR models shipped inside the
wheel, OpenVINO or onnxruntime with one thread). Every recognised glyph becomes a `Char` with its
box, a size estimated from the ink height of its line, and the recogniser's confidence; small
raised digits become superscript chars, so footnote markers are found by the layout stage as in a
text PDF. Numbers read with low confidence, and text too uncertain to keep, are problems.

`read_page` runs the chain; its steps are public and follow below in the order they run:
  without_seal → binarize → sideways, skew (on the `reduced` copy) → read_upright:
  rule_boxes (erased; as_rules makes them records) → recognise [cell_lines; detect; cut_at_rules;
  with_missed_ink; read_crops] → with_lost_markers → to_chars (doubtful_numbers).
Helpers of a step are private (a leading underscore) and follow the step they serve.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from contextlib import contextmanager
from statistics import median
from typing import cast

import numpy as np

from pipeline.model.problems import Code
from pipeline.model.records import Char, Page, Problem, Rule
from pipeline.settings import OcrSettings
from pipeline.vocab import data
from pipeline.vocab.text import first_sentence_end, nfkc

FONT = "OCR"        # the font name OCR'd chars carry: one face; bold told by stroke weight (_bold_opening)


class _Engines:
    """rapidocr engines, one per page being read at a time: a page borrows one for as long as it is
    read (pages of a notice are read side by side on threads, and an engine keeps per-call state), and
    gives it back for the next page. Engines are made on first need (per recognition precision) and
    kept for the process."""

    def __init__(self):
        self._idle: dict[str, list] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextmanager
    def borrowed(self, settings: OcrSettings):
        key = settings.rec_precision
        with self._lock:
            idle = self._idle.setdefault(key, [])
            eng = idle.pop() if idle else None
        if eng is None:
            eng = _new_engine(key)
        self._local.engine = eng
        try:
            yield eng
        finally:
            self._local.engine = None
            with self._lock:
                self._idle.setdefault(key, []).append(eng)

    def current(self):
        """The engine this thread's page holds, else an idle one of the default settings."""
        eng = getattr(self._local, "engine", None)
        if eng is not None:
            return eng
        with self.borrowed(OcrSettings()) as eng:
            return eng

    def clear(self) -> None:
        with self._lock:
            self._idle.clear()


ENGINES = _Engines()


def engine():
    """The rapidocr engine of the page this thread reads (else one of the default settings)."""
    return ENGINES.current()


def _new_engine(rec_precision: str = "f32"):
    """A rapidocr engine with its bundled default models (nothing is downloaded). Detection and
    recognition, nearly all of a page's cost, run on OpenVINO where it is installed (detection 3.4
    times faster than on onnxruntime on this project's machine, outputs within 1e-4; recognition
    1.2 times in 32-bit floats, 2.3 times more in bfloat16 where the CPU has it): detection in 32-bit
    floats always (OpenVINO would pick bfloat16 on such a CPU by itself), recognition as
    `rec_precision` says. The line classifier, a few ms a page, stays on onnxruntime. One thread
    each: a notice's pages are read side by side instead."""
    import cv2
    from rapidocr import RapidOCR

    cv2.setNumThreads(1)
    eng = RapidOCR(params={
        "Global.log_level": "error",
        "Global.text_score": 0.0,            # every line comes back; we keep, drop and report ourselves
        "Global.max_side_len": 4000,         # the page is already at the working resolution
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    })
    for model in (eng._load_det_model(), eng._load_cls_model(), eng._load_rec_model()):
        path = getattr(getattr(model.session, "session", None), "_model_path", None)
        if model is not eng.text_cls and path and openvino_available():
            model.session = OpenVinoModel(path, rec_precision if model is eng.text_rec else "f32")
    return eng


def openvino_available() -> bool:
    """OpenVINO is installed (PyPI serves it for x86-64 and ARM64 Linux, macOS and Windows) and not
    turned off by $NOTICE_EXTRACT_OPENVINO=off."""
    import importlib.util
    import os
    off = os.environ.get("NOTICE_EXTRACT_OPENVINO", "on").strip().lower() in ("off", "0", "no", "false")
    return not off and importlib.util.find_spec("openvino") is not None


class OpenVinoModel:
    """An ONNX model on OpenVINO's CPU plugin with rapidocr's session interface: called with the
    input batch, it returns the first output. One inference thread, not pinned to a core (two pages
    read at a time would share one), 32-bit floats."""

    def __init__(self, path: str, precision: str = "f32"):
        import openvino as ov
        core = ov.Core()
        if precision.upper() not in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES"):
            precision = "f32"
        compiled = core.compile_model(core.read_model(path), "CPU", {
            "INFERENCE_NUM_THREADS": 1, "NUM_STREAMS": 1, "ENABLE_CPU_PINNING": False,
            "INFERENCE_PRECISION_HINT": precision, "PERFORMANCE_HINT": "LATENCY"})
        self.request = compiled.create_infer_request()
        self.threads = int(compiled.get_property("INFERENCE_NUM_THREADS"))
        self.precision = str(compiled.get_property("INFERENCE_PRECISION_HINT"))

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        return np.array(self.request.infer({0: np.ascontiguousarray(batch)})[0], copy=True)


def read_page(rgb: np.ndarray, number: int, dpi: float, settings: OcrSettings) -> tuple[Page, list[Problem]]:
    """A page image (RGB or grey, `dpi` pixels per inch) → a Page of OCR'd chars and ruling lines.
    Thread-safe: the page is read by an engine of its own."""
    with ENGINES.borrowed(settings):
        return _read_page(rgb, number, dpi, settings)


def _read_page(rgb: np.ndarray, number: int, dpi: float, settings: OcrSettings) -> tuple[Page, list[Problem]]:
    import cv2

    grey = without_seal(rgb)
    if np.median(grey) < settings.inverted_below:
        grey = 255 - grey
    scale = settings.work_dpi / dpi
    if abs(scale - 1) > 0.05:
        grey = cv2.resize(grey, None, fx=scale, fy=scale,
                          interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    ink = binarize(grey)
    turn = 0                # quarter turns counterclockwise, recorded so that the review page turns the image alike
    small = reduced(ink, settings)
    if sideways(ink, settings, small):
        grey, ink = _turned(grey, -1), _turned(ink, -1)
        small = reduced(ink, settings)
        turn = 3
    angle = skew(ink, settings, small)
    if angle:
        grey = _rotate(grey, angle, 255)
        ink = binarize(grey)
    glyph = _glyph_size(small) * max(ink.shape) / settings.profile_side     # the page's text size, pixels
    read = read_upright(grey, ink, settings, glyph)
    if read[-1]:                            # upside down: turn it and read again
        grey, ink = _turned(grey, 2), _turned(ink, 2)
        read = read_upright(grey, ink, settings, glyph)
        turn = (turn + 2) % 4
    lines, boxes, text_ink, _ = read
    pt = 72.0 / settings.work_dpi           # PDF points per pixel
    chars, problems = to_chars(lines, text_ink, pt, number, settings)
    h, w = grey.shape[:2]
    page = Page(number, round(w * pt, 2), round(h * pt, 2), tuple(chars), tuple(as_rules(boxes, pt)), images=1,
                source="ocr", turn=turn, skew=float(angle or 0.0))
    return page, problems


def _turned(img: np.ndarray, quarter_turns: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(img, quarter_turns))


def read_upright(grey: np.ndarray, ink: np.ndarray, settings: OcrSettings, glyph: float = 0.0):
    """(text lines, rule boxes, ink without the rules, upside down?) of an upright page image."""
    import cv2

    boxes = rule_boxes(ink, settings)
    mask = _rule_mask(ink, boxes)
    clean = grey.copy()
    clean[cv2.dilate(mask, np.ones((5, 5), np.uint8)) > 0] = 255
    text_ink = cv2.bitwise_and(ink, cv2.bitwise_not(cv2.dilate(mask, np.ones((3, 3), np.uint8))))
    lines, flipped = recognise(clean, boxes, text_ink, settings, glyph)
    lines = with_lost_markers(lines, clean, text_ink, settings, boxes[1])
    return lines, boxes, text_ink, flipped


# ------------------------------------------------------------------ image clean-up

def without_seal(rgb: np.ndarray) -> np.ndarray:
    """Grey image in which red ink (the seal) is paper: a reddish pixel takes its red channel, lifted,
    so stamp ink vanishes while black text printed under it stays dark."""
    import cv2

    if rgb.ndim == 2:
        return rgb
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    h, s = hsv[..., 0], hsv[..., 1]
    red = ((h <= 12) | (h >= 165)) & (s >= 60)
    if red.any():
        lifted = np.minimum(rgb[..., 0].astype(np.int16) + 45, 255).astype(np.uint8)
        grey[red] = lifted[red]
    return grey


def binarize(grey: np.ndarray) -> np.ndarray:
    """Ink as 255, paper as 0: an adaptive threshold over a window of about two glyphs."""
    import cv2

    block = max(15, int(grey.shape[1] / 40) | 1)
    return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)


def _rotate(img: np.ndarray, angle: float, fill: int) -> np.ndarray:
    import cv2

    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)


def _profile_score(small: np.ndarray, angle: float) -> float:
    """How sharply the ink falls into rows after turning by `angle`: the spread of the row sums."""
    rows = (_rotate(small, angle, 0) if angle else small).sum(axis=1, dtype=np.float64)
    return float(np.diff(rows).var())


def reduced(ink: np.ndarray, settings: OcrSettings) -> np.ndarray:
    """A reduced copy for the profile searches (text strokes, not ruling lines)."""
    import cv2

    f = settings.profile_side / max(ink.shape)
    text = cv2.bitwise_and(ink, cv2.bitwise_not(_rule_mask(ink, rule_boxes(ink, settings))))
    return cv2.resize(text, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


def sideways(ink: np.ndarray, settings: OcrSettings, small: np.ndarray | None = None) -> bool:
    """Text lines run down the image (a landscape page scanned in portrait, or the reverse): glyphs
    smeared along the rows by a share of their own size join into long lines on an upright page, and
    stay single glyphs on a sideways one. The smear follows the glyphs, not the page: a fixed one
    left large type (a wide page of two or three lines) unjoined either way, and the page was
    judged by noise."""
    small = reduced(ink, settings) if small is None else small
    glyph = _glyph_size(small)
    small = _without_large_ink(small, settings.sideways_blob * glyph)
    reach = settings.join_reach * glyph
    across = _run_length(small, reach)
    return _run_length(np.ascontiguousarray(small.T), reach) > settings.sideways_ratio * across


def _without_large_ink(small: np.ndarray, most: float) -> np.ndarray:
    """The reduced copy without its ink blobs more than `most` pixels each way: no text, but a table's
    ruling lines (the opening finds them only once the page is straight; left in on a page scanned
    turned by a degree, a page-filling table's grid, joined to the text beside its rules, weighed as
    much both ways and a sideways table page was read as upright, and a tilted upright one as sideways)."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats((small > 0).astype(np.uint8), connectivity=8)
    large = (stats[:, 2] > most) & (stats[:, 3] > most)
    large[0] = False
    if not large.any():
        return small
    out = small.copy()
    out[large[labels]] = 0
    return out


def _blob_stats(img: np.ndarray) -> np.ndarray:
    """x, y, w, h of the ink blobs more than two pixels each way."""
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats((img > 0).astype(np.uint8))
    stats = stats[1:n, :4]
    return stats[(stats[:, 2] > 2) & (stats[:, 3] > 2)]


def _glyph_size(small: np.ndarray) -> float:
    """Median longer side of the ink blobs (pixels): a glyph's size, or its strokes', either way up."""
    stats = _blob_stats(small)
    return float(np.median(stats[:, 2:].max(axis=1))) if len(stats) else 4.0


def _run_length(small: np.ndarray, reach: float) -> float:
    """Total width over total height of the ink blobs once neighbours along a row, `reach` pixels
    apart, are joined."""
    import cv2

    stats = _blob_stats(cv2.dilate(small, np.ones((1, max(2, int(reach))), np.uint8)))
    return float(stats[:, 2].sum()) / max(1.0, float(stats[:, 3].sum()))


def skew(ink: np.ndarray, settings: OcrSettings, small: np.ndarray | None = None) -> float:
    """The angle (degrees, counter-clockwise) that makes the text rows sharpest: coarse then fine."""
    small = reduced(ink, settings) if small is None else small
    best, step = 0.0, 0.5
    span = settings.max_skew
    while step >= settings.skew_step - 1e-9:
        candidates = np.arange(best - span, best + span + 1e-9, step)
        best = float(max(candidates, key=lambda a: _profile_score(small, float(a))))
        span, step = step, step / 4
    return round(best, 3) if abs(best) >= settings.skew_step else 0.0


# ------------------------------------------------------------------ ruling lines

def _strokes(ink: np.ndarray, horizontal: bool, s: OcrSettings,
             share: float | None = None) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) of the long thin strokes in one direction: opening with a long thin kernel
    (`share` of the page's width or height, else the settings' rule length), then connected
    components, each long enough and thin enough."""
    import cv2

    h, w = ink.shape
    if share is None:
        share = s.rule_len_h if horizontal else s.rule_len_v
    length = int(share * (w if horizontal else h))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
    opened = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
    n, _, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    thick = s.rule_width * w
    return [(int(x), int(y), int(bw), int(bh)) for x, y, bw, bh, _ in stats[1:n]
            if (bh if horizontal else bw) <= thick]


def rule_boxes(ink: np.ndarray, s: OcrSettings) -> tuple[list, list]:
    """Horizontal and vertical ruling lines as pixel boxes. A vertical stroke as short as a large
    glyph's counts only where it meets a horizontal rule (a table's cell edge, not a character)."""
    hs = _strokes(ink, True, s)
    h = ink.shape[0]
    tol = 4

    def meets(v) -> bool:
        x, y, bw, bh = v
        return any(hx - tol <= x + bw and x - tol <= hx + hw and hy - tol <= y + bh and y - tol <= hy + hh
                   for hx, hy, hw, hh in hs)

    vs = [v for v in _strokes(ink, False, s) if v[3] >= s.rule_alone_v * h or meets(v)]
    return hs + _closing_strokes(ink, hs, vs, s), vs


def _closing_strokes(ink: np.ndarray, hs: list, vs: list, s: OcrSettings) -> list[tuple[int, int, int, int]]:
    """Horizontal strokes shorter than a ruling line alone that run from one vertical rule to another:
    the edges of a narrow cell (the rules between the rows of a 序号 column stop at the merged 类别
    cell beside it; taken for strokes of text, the column's cells ran into one). A stroke of text
    meets no rule at either end."""
    tol = 4

    def at(x: int, y: int, bh: int) -> list[int]:      # the vertical rules a stroke's end at x meets
        return [k for k, (vx, vy, vw, vh) in enumerate(vs)
                if vx - tol <= x <= vx + vw + tol and vy - tol <= y and y + bh <= vy + vh + tol]

    def known(x: int, y: int, bw: int, bh: int) -> bool:
        return any(hx <= x + bw and x <= hx + hw and hy - tol <= y + bh and y - tol <= hy + hh for hx, hy, hw, hh in hs)

    out = []
    for x, y, bw, bh in _strokes(ink, True, s, s.rule_len_cell):
        left, right = at(x, y, bh), at(x + bw - 1, y, bh)
        if left and right and set(left) != set(right) and not known(x, y, bw, bh):
            out.append((x, y, bw, bh))
    return out


def _rule_mask(ink: np.ndarray, boxes: tuple[list, list]) -> np.ndarray:
    """The ink pixels of the ruling lines."""
    mask = np.zeros_like(ink)
    for x, y, bw, bh in [b for group in boxes for b in group]:
        mask[y:y + bh, x:x + bw] = ink[y:y + bh, x:x + bw]
    return mask


def as_rules(boxes: tuple[list, list], pt: float) -> list[Rule]:
    hs, vs = boxes
    out = []
    for x, y, bw, bh in hs:
        mid = round((y + bh / 2) * pt, 2)
        out.append(Rule(round(x * pt, 2), mid, round((x + bw) * pt, 2), mid))
    for x, y, bw, bh in vs:
        mid = round((x + bw / 2) * pt, 2)
        out.append(Rule(mid, round(y * pt, 2), mid, round((y + bh) * pt, 2)))
    return out


# ------------------------------------------------------------------ recognition

def recognise(img: np.ndarray, rules: tuple[list, list], ink: np.ndarray, settings: OcrSettings, glyph: float = 0.0):
    """(lines, upside_down): lines as (quad, text, score, [(glyph, score, quad)]), and whether the
    line classifier read most lines as turned by 180°. Where the page's ruling lines close cells, a
    cell's lines are found from its ink (`cell_lines`) and recognised directly; text lines are
    detected only in the rest of the page (`detect`). A detected line that runs across a vertical
    ruling line (text of two table cells read as one) is cut there before it is recognised; ink
    inside the ruled area that no line covers (the detector misses a lone digit, such as a 序号
    cell's "3") is recognised as a line of its own."""
    import cv2
    from rapidocr.ch_ppocr_det.utils import TextDetOutput

    eng = engine()
    bgr = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    prepared, record = eng.preprocess_img(bgr)
    if prepared.shape == bgr.shape:
        known, cells = cell_lines(rules, ink, settings, glyph)
        quads, scores = detect(prepared, ink, cells, settings, glyph)
    else:                                   # a page rapidocr scales (past 4000 pixels): detected as it scales it
        known, cells = [], []
        k = prepared.shape[1] / bgr.shape[1]
        small = cv2.resize(ink, (prepared.shape[1], prepared.shape[0]), interpolation=cv2.INTER_NEAREST)
        quads, scores = detect(prepared, small, cells, settings, glyph * k)
    quads, scores = cut_at_rules(quads, scores, rules[1], ink, settings)
    if known:
        quads = np.concatenate([quads, np.array(known, dtype=np.float32)])
        scores = [*scores, *[1.0] * len(known)]
    quads, scores = with_missed_ink(quads, scores, ink, rules, settings)
    if not len(quads):
        return [], False
    det = TextDetOutput(boxes=quads, scores=scores)
    crops = eng.crop_text_regions(prepared, det.boxes)
    cls, rec, flipped = read_crops(eng, crops, settings)
    out = eng.build_final_output(bgr, det, cls, rec, crops, record)
    if getattr(out, "txts", None) is None or getattr(out, "boxes", None) is None:
        return [], flipped
    lines = []
    for box, txt, score, info in zip(out.boxes, out.txts, out.scores, out.word_results, strict=True):
        quad = np.asarray(box, dtype=np.float64)
        lines.append((quad, txt, float(score), _glyph_boxes(quad, txt, info)))
    return lines, flipped


def cell_lines(rules: tuple[list, list], ink: np.ndarray, s: OcrSettings,
               glyph: float) -> tuple[list[list[list[float]]], list[tuple[int, int, int, int]]]:
    """(line boxes, cells): the text lines of the cells the ruling lines close, found from the ink
    instead of by the detector, and the cells (x, y, w, h; pixels) they were found in. A cell's ink
    falls into rows of text apart by blank pixel rows (`_text_rows`, measured against the height of
    the cells' lines: the page's text size, taken from its body, can be far from a table's); each
    row is a line, boxed about its ink and padded as the detector pads. A cell whose ink row is
    taller than one line of text (two lines set touching, or a cell of other than text) is left to
    the detector, as is a page without cells."""
    if glyph <= 0:
        return [], []
    cells = _cells(rules, ink.shape, s, glyph)
    runs = {cell: _ink_runs(ink, cell) for cell in cells}
    heights = [b - a for rs in runs.values() for a, b in rs]
    if not heights:
        return [], []
    line = float(np.median(heights))            # the height of a line of the cells' text, pixels
    boxes: list[list[list[float]]] = []
    done = []
    for cell in cells:
        rows = _text_rows(ink, cell, runs[cell], s, line)
        if any(bottom - top > s.cell_line_max * line for _, top, _, bottom in rows):
            continue
        done.append(cell)
        for k, (x0, top, x1, bottom) in enumerate(rows):
            height = max(bottom - top, s.cell_line_min * line)
            py = s.cut_pad * height
            px = max(s.cut_pad * height, ((height + 2 * py) / s.tallest_crop - (x1 - x0)) / 2)
            mid = (top + bottom) / 2
            # padded, but clear of the lines above and below (their ink in a line's box was taken
            # for its own: two lines of a cell got one baseline and ran into one)
            above = (rows[k - 1][3] + top) / 2 if k else -np.inf
            below = (bottom + rows[k + 1][1]) / 2 if k + 1 < len(rows) else np.inf
            a, b = max(mid - height / 2 - py, above), min(mid + height / 2 + py, below)
            boxes.append([[x0 - px, a], [x1 + px, a], [x1 + px, b], [x0 - px, b]])
    return boxes, done


def _cells(rules: tuple[list, list], shape: tuple, s: OcrSettings, glyph: float) -> list[tuple[int, int, int, int]]:
    """The cells the ruling lines close (x, y, w, h; pixels): the stretches of paper inside the rules'
    span that the rules (each lengthened by a few pixels, so that they meet) enclose on every side,
    rectangles at least a glyph each way. The paper round a table, between two tables or between
    the rules of a table without verticals reaches the span's edge: no cell."""
    import cv2

    hs, vs = rules
    if len(hs) < 2 or len(vs) < 2:
        return []
    every = [*hs, *vs]
    x0, y0 = min(b[0] for b in every), min(b[1] for b in every)
    x1, y1 = max(b[0] + b[2] for b in every), max(b[1] + b[3] for b in every)
    grid = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
    reach = s.cell_rule_reach
    for x, y, w, h in hs:
        cv2.rectangle(grid, (x - x0 - reach, y - y0), (x - x0 + w + reach, y - y0 + h), 255, -1)
    for x, y, w, h in vs:
        cv2.rectangle(grid, (x - x0, y - y0 - reach), (x - x0 + w, y - y0 + h + reach), 255, -1)
    n, _, stats, _ = cv2.connectedComponentsWithStats((grid == 0).astype(np.uint8), connectivity=4)
    height, width = grid.shape
    out = []
    for x, y, w, h, area in stats[1:n]:
        inside = x > 0 and y > 0 and x + w < width and y + h < height
        if inside and area >= s.cell_square * w * h and min(w, h) >= s.cell_min * glyph:
            out.append((int(x + x0), int(y + y0), int(w), int(h)))
    return out


def _ink_runs(ink: np.ndarray, cell: tuple[int, int, int, int]) -> list[tuple[int, int]]:
    """Runs of inked pixel rows in a cell: (first, past the last), rows of the cell."""
    x, y, w, h = cell
    rows = np.flatnonzero(ink[y:y + h, x:x + w].any(axis=1))
    if not rows.size:
        return []
    breaks = np.flatnonzero(np.diff(rows) > 1)
    return [(int(a), int(b) + 1) for a, b in zip(np.r_[rows[0], rows[breaks + 1]], np.r_[rows[breaks], rows[-1]],
                                                  strict=True)]


def _text_rows(ink: np.ndarray, cell: tuple[int, int, int, int], runs: list[tuple[int, int]], s: OcrSettings,
               line: float) -> list[tuple[int, int, int, int]]:
    """The rows of text in a cell as boxes (x0, top, x1, bottom; pixels) about their ink: its runs of
    inked rows, a run shorter than `cell_part` of a line (a stroke of 三 or 二 standing apart) joined
    to the nearer run beside it within `cell_join` of a line; specks left out."""
    merged = [list(r) for r in runs]
    while True:
        short = [k for k, (a, b) in enumerate(merged) if b - a < s.cell_part * line]
        gaps = [(merged[k][0] - merged[k - 1][1], k - 1) for k in short if k > 0] + \
               [(merged[k + 1][0] - merged[k][1], k) for k in short if k + 1 < len(merged)]
        gaps = [g for g in gaps if g[0] <= s.cell_join * line]
        if not gaps:
            break
        k = min(gaps)[1]
        merged[k:k + 2] = [[merged[k][0], merged[k + 1][1]]]
    x, y, w, h = cell
    out = []
    for first, last in merged:
        cols = np.flatnonzero(ink[y + first:y + last, x:x + w].any(axis=0))
        if max(last - first, cols[-1] + 1 - cols[0]) >= s.cell_speck * line:
            out.append((x + int(cols[0]), y + first, x + int(cols[-1]) + 1, y + last))
    return out


def detect(img: np.ndarray, ink: np.ndarray, cells: Sequence[tuple[int, int, int, int]], s: OcrSettings,
           glyph: float) -> tuple[np.ndarray, list]:
    """Text line boxes (quads, pixels) and their scores, found by rapidocr's detector where there is
    text to find: the cells whose lines were found from their ink are blanked, and the page is
    cut down to the runs of rows, and the columns, that hold ink (with `det_margin` of the text
    size round them), the runs stacked apart. The copy is scaled so that the page's text is
    `det_glyph` pixels (the detector's cost goes with the pixels; it finds lines of text that size
    as surely as at full size); the boxes are on the page."""
    ink = ink.copy()
    img = img.copy()
    for x, y, w, h in cells:
        ink[y:y + h, x:x + w] = 0
        img[y:y + h, x:x + w] = 255
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    empty: tuple[np.ndarray, list] = np.zeros((0, 4, 2), np.float32), []
    if not rows.size:
        return empty
    margin = max(4, int(s.det_margin * glyph)) if glyph > 0 else 32
    left, right = max(0, int(cols[0]) - margin), min(ink.shape[1], int(cols[-1]) + 1 + margin)
    runs: list[list[int]] = []                  # [first, last] rows of ink, runs closer than two margins joined
    for r in rows:
        if runs and r - runs[-1][1] <= 2 * margin:
            runs[-1][1] = int(r)
        else:
            runs.append([int(r), int(r)])
    pieces, strips, at = [], [], 0              # strips: (top in the copy, top on the page, height)
    for first, last in runs:
        top, bottom = max(0, first - margin), min(ink.shape[0], last + 1 + margin)
        pieces.append(img[top:bottom, left:right])
        strips.append((at, top, bottom - top))
        at += bottom - top
    copy = np.ascontiguousarray(np.concatenate(pieces))
    shortest = (right - left) // s.det_widest + 1   # rapidocr pads a very wide image before detecting
    if copy.shape[0] < shortest:
        copy = np.pad(copy, ((0, shortest - copy.shape[0]), (0, 0), (0, 0)), constant_values=255)
    scale = min(1.0, max(s.det_min_scale, s.det_glyph / glyph)) if glyph > 0 else 1.0
    det = engine().text_det
    det.limit_type, det.limit_side_len = "max", int(scale * max(copy.shape[:2]))
    found = det(copy)
    if found.boxes is None or not len(found.boxes):
        return empty
    quads = np.array(found.boxes, dtype=np.float32).reshape(-1, 4, 2)
    for q in quads:
        mid = float(q[:, 1].mean())
        copy_top, page_top, _ = next((st for st in reversed(strips) if st[0] <= mid), strips[0])
        q[:, 1] += page_top - copy_top
        q[:, 0] += left
    return quads, list(found.scores)


def _glyph_boxes(quad: np.ndarray, text: str, info) -> list[tuple[str, float, list[list[float]]]]:
    """(glyph, score, box) for every non-space glyph the recogniser read on a line. The recogniser
    reads a crop as a row of columns and names the column each glyph was read in: a glyph's box is
    centred on its column, as wide as the line's glyphs are spaced (the mean step between the
    columns of neighbouring glyphs of one word, else the line's width shared out), inside the line's
    box and clear of its neighbours'. A crop read turned (taller than wide) gives none: the line's
    box is shared out by `_glyphs`."""
    x0, x1 = float(quad[:, 0].min()), float(quad[:, 0].max())
    y0, y1 = float(quad[:, 1].min()), float(quad[:, 1].max())
    glyphs = [(c, col) for word, cols in zip(info.words, info.word_cols, strict=False)
              for c, col in zip(word, cols, strict=False)]
    if not glyphs or not info.line_txt_len or y1 - y0 >= 1.5 * (x1 - x0):
        return []
    step = (x1 - x0) / info.line_txt_len            # page pixels a column of the recogniser's output
    pitches = [(cols[-1] - cols[0]) / (len(cols) - 1) for cols in info.word_cols if len(cols) > 1]
    width = step * sum(pitches) / len(pitches) if pitches else (x1 - x0) / len(glyphs)
    confs = [conf for c, conf in zip(text, info.confs, strict=False) if not c.isspace()]
    spans = [[max(x0, x0 + (col + 0.5) * step - width / 2), min(x1, x0 + (col + 0.5) * step + width / 2)]
             for _, col in glyphs]
    for left, right in zip(spans, spans[1:], strict=False):     # neighbours overlapping: meet half-way
        if left[1] > right[0]:
            left[1] = right[0] = (left[1] + right[0]) / 2
    return [(c, float(confs[k]) if k < len(confs) else 1.0, [[a, y0], [b, y0], [b, y1], [a, y1]])
            for k, ((c, _), (a, b)) in enumerate(zip(glyphs, spans, strict=True))]


def read_crops(eng, crops: list, settings: OcrSettings):
    """(classifier output, recognition output, upside down?) of the line crops of a page. The angle
    classifier's labels tell an upside-down page (the caller reads it again turned); its turning of
    single crops is not used: once the page is upright every line is, and a lone digit has no
    orientation of its own to judge (it turned a 序号 9 into 6 and the row was lost). Only the
    page's widest crops are classified (`cls_lines`): a page's orientation shows in its long lines,
    and a table's short cells, most of its crops, tell nothing more."""
    widest = sorted(range(len(crops)), key=lambda i: -crops[i].shape[1])[:settings.cls_lines]
    _, cls = eng.cls_and_rotate([crops[i] for i in sorted(widest)])
    labels = [label for label, score in (cls.cls_res or []) if score >= settings.cls_sure]
    upside_down = sum(label == "180" for label in labels)
    flipped = len(labels) >= settings.flip_lines and upside_down >= settings.flip_share * len(labels)
    return cls, _recognised(eng, crops, settings), flipped


def _recognised(eng, crops: list, settings: OcrSettings):
    """rapidocr's recognition output for the line crops, read in batches of crops of similar width.
    A batch is padded to its widest crop, so crops sorted by width share a batch only while they are
    within `rec_spread` of its narrowest (a short 序号 cell beside a full line costs a full line); the
    padded width is rounded up to `rec_width_step` pixels, so that the next page's batches are of the
    shapes the inference engine has already prepared (a new shape costs OpenVINO its kernels again:
    a page's recognition measured 1.9 s at first sight, 1.2 s once its shapes were known)."""
    import math

    from rapidocr.ch_ppocr_rec.typings import TextRecOutput

    rec = eng._load_rec_model()
    height, width = rec.rec_image_shape[1:3]
    ratios = [c.shape[1] / max(1, c.shape[0]) for c in crops]
    order = sorted(range(len(crops)), key=ratios.__getitem__)
    batches: list[list[int]] = []
    for i in order:
        last = batches[-1] if batches else None
        if last and len(last) < settings.rec_batch and ratios[i] <= settings.rec_spread * ratios[last[0]]:
            batches[-1].append(i)
        else:
            batches.append([i])
    out: list = [(("", 0.0), ())] * len(crops)
    for batch in batches:
        widest = max(width / height, *(ratios[i] for i in batch))
        widest = math.ceil(widest * height / settings.rec_width_step) * settings.rec_width_step / height
        x = np.concatenate([rec.resize_norm_img(crops[i], widest)[np.newaxis] for i in batch]).astype(np.float32)
        lines, words = rec.postprocess_op(rec.session(x), True, wh_ratio_list=[ratios[i] for i in batch],
                                          max_wh_ratio=widest)
        for i, line, word in zip(batch, lines, words, strict=True):
            out[i] = (line, word)
    txts = tuple(line[0] for line, _ in out)
    # a tuple, as rapidocr's own recogniser gives it (its dataclass annotates the field as a list)
    scores = cast("list[float]", tuple(line[1] for line, _ in out))
    return TextRecOutput(imgs=list(crops), txts=txts, scores=scores,
                         word_results=tuple(word for _, word in out), elapse=0.0)


def cut_at_rules(quads: np.ndarray, scores: list, verticals: list, ink: np.ndarray, s: OcrSettings):
    """Detected line boxes cut where a vertical ruling line crosses them (text of two table cells
    detected as one line). Each piece is cut back to the ink it holds, padded as the detector pads
    its own boxes, and a piece with no ink is dropped: the blank paper a cut leaves beside a cell's
    text was read as a glyph of its own (a "☑" before 类别 in a 序号|类别 header, and the table lost
    its category column)."""
    gap = s.cut_gap
    out_q, out_s = [], []
    for q, score in zip(quads, scores, strict=False):
        x0, x1 = float(q[:, 0].min()), float(q[:, 0].max())
        y0, y1 = float(q[:, 1].min()), float(q[:, 1].max())
        mid = (y0 + y1) / 2
        cuts = sorted(vx + vw / 2 for vx, vy, vw, vh in verticals
                      if x0 + gap < vx + vw / 2 < x1 - gap and vy <= mid <= vy + vh)
        if not cuts:
            out_q.append(q)
            out_s.append(score)
            continue
        edges = [x0, *cuts, x1]
        for k, (a, b) in enumerate(zip(edges, edges[1:], strict=False)):
            a, b = (a + gap if k else a), (b - gap if k + 2 < len(edges) else b)
            held = _ink_columns(ink, a, b, int(y0), int(y1) + 1)
            if held is None:
                continue
            pad = s.cut_pad * (y1 - y0)
            a, b = max(a, held[0] - pad), min(b, held[1] + pad)
            if b - a >= s.cut_min * (y1 - y0):
                out_q.append(np.array([[a, y0], [b, y0], [b, y1], [a, y1]], dtype=q.dtype))
                out_s.append(score)
    return np.array(out_q).reshape(-1, 4, 2).astype(np.float32), out_s


def _ink_columns(ink: np.ndarray, left: float, right: float, top: int, bottom: int) -> tuple[int, int] | None:
    """First and last inked column (pixels, the last one past its ink) between left and right in the
    band top..bottom; None when the band holds no ink there."""
    a, b = max(0, int(left)), min(ink.shape[1], int(right + 0.5))
    cols = np.flatnonzero(ink[max(0, top):bottom, a:b].any(axis=0)) if b > a else np.zeros(0)
    return (a + int(cols[0]), a + int(cols[-1]) + 1) if cols.size else None


def with_missed_ink(quads: np.ndarray, scores: list, ink: np.ndarray, rules: tuple[list, list], s: OcrSettings):
    """Detected boxes plus a box round each run of ink inside the ruled area that none covers: ink
    blobs at least half as tall as the median detected line, joined along the row."""
    import cv2

    hs, vs = rules
    if len(hs) < 2 or len(vs) < 2 or not len(quads):
        return quads, scores
    heights = quads[:, :, 1].max(axis=1) - quads[:, :, 1].min(axis=1)
    line_h = float(np.median(heights))
    x0, x1 = min(x for x, _, _, _ in hs), max(x + w for x, _, w, _ in hs)
    y0, y1 = min(y for _, y, _, _ in hs), max(y + h for _, y, _, h in hs)
    rest = np.zeros_like(ink)
    rest[y0:y1, x0:x1] = ink[y0:y1, x0:x1]
    near = int(s.missed_near * line_h)            # glyph edges a detected box cuts off are not lines of their own
    for q in quads:
        a, b = q.min(axis=0).astype(int), q.max(axis=0).astype(int)
        rest[max(0, a[1] - near):b[1] + near, max(0, a[0] - near):b[0] + near] = 0
    joined = cv2.dilate(rest, np.ones((1, max(3, int(line_h / 2))), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    added = []
    for k in range(1, n):
        ys, xs = np.nonzero((labels == k) & (rest > 0))
        if not len(xs):
            continue
        x, y, w, h = int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)
        if s.missed_low * line_h <= h <= s.missed_high * line_h and w >= s.missed_narrow * line_h:
            px, py = s.missed_pad_x * line_h, s.missed_pad_y * line_h
            # rapidocr turns a crop 1.5 times taller than wide by 90° before reading it (a vertical
            # line of text), and a lone digit's box is that narrow: its 8 was read as ∞ and its 6 as
            # 9. The box is widened about the ink to below that ratio.
            px = max(px, ((h + 2 * py) / s.tallest_crop - w) / 2)
            added.append([[x - px, y - py], [x + w + px, y - py], [x + w + px, y + h + py], [x - px, y + h + py]])
    if not added:
        return quads, scores
    return (np.concatenate([quads, np.array(added, dtype=quads.dtype)]),
            list(scores) + [float(np.median(scores))] * len(added))


def with_lost_markers(lines: list, grey: np.ndarray, ink: np.ndarray, s: OcrSettings,
                       verticals: Sequence[Sequence[float]] = ()) -> list:
    """Lines with the footnote markers the recogniser dropped put back: a small raised digit after
    a word ("研究院¹初步") or a note's own number left of its detected line box ("² 成果转化…") is
    often read as nothing. Every run of ink columns in a line's band that no recognised glyph's box
    holds, raised and short against the line (`_raised_run`), is recognised on its own; one that
    reads as digits joins the line as a glyph with its box, so `to_chars` makes it a superscript."""
    found: list[tuple[int, tuple]] = []         # (line index, run box) of every candidate
    for k, (quad, text, _score, words) in enumerate(lines):
        if not words:
            continue
        top, bottom = int(quad[:, 1].min()), int(quad[:, 1].max()) + 1
        glyphs = _glyphs(quad, text, words)
        size, base = _line_metrics(glyphs, [_ink_rows(ink, x0, x1, top, bottom) for _, _, x0, x1 in glyphs],
                                   s, top, bottom)
        held = [(x0, x1) for _, _, x0, x1 in glyphs]
        reach = s.marker_reach * size
        left, right = in_cell(float(quad[:, 0].min()) - reach, float(quad[:, 0].max()) + reach, quad, verticals)
        for run in _column_runs(ink, left, right, top, bottom):
            centre = (run[0] + run[2]) / 2
            if not any(x0 <= centre <= x1 for x0, x1 in held) and _raised_run(run, base, size, s) \
                    and _within(ink, run, top, bottom) \
                    and run not in (r for _, r in found):      # two overlapping line boxes: one marker
                found.append((k, run))
    if not found:
        return lines
    import cv2

    pad = 2
    crops = [cv2.cvtColor(np.ascontiguousarray(
        grey[max(0, int(lines[k][0][:, 1].min())):int(lines[k][0][:, 1].max()) + 1,
             max(0, int(r[0]) - pad):int(r[2]) + pad]), cv2.COLOR_GRAY2BGR) for k, r in found]
    read = _recognised(engine(), crops, s)
    out = [list(line) for line in lines]
    for (k, (x0, y0, x1, y1)), txt, score in zip(found, read.txts, read.scores, strict=False):
        txt = txt.strip()
        if not (txt.isdigit() and len(txt) <= 2 and score >= s.keep_score):
            continue
        quad, text, _, words = out[k]
        at = sum(1 for w in words if float(np.asarray(w[2])[:, 0].mean()) < x0)
        before = sum(len(w[0]) for w in words[:at])
        out[k][1] = text[:before] + txt + text[before:] if len(text) == sum(len(w[0]) for w in words) else text
        out[k][3] = [*words[:at], (txt, float(score), [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]), *words[at:]]
    return [tuple(line) for line in out]


def in_cell(left: float, right: float, quad: np.ndarray,
             verticals: Sequence[Sequence[float]]) -> tuple[float, float]:
    """left..right cut back to the vertical ruling lines on either side of the line box: a marker
    belongs to its own cell (past the rule, the foot of the next cell's 居 was taken for a "1")."""
    x0, x1 = float(quad[:, 0].min()), float(quad[:, 0].max())
    mid = float(quad[:, 1].mean())
    for vx, vy, vw, vh in verticals:
        if vy <= mid <= vy + vh:
            if left < vx + vw / 2 <= x0:
                left = vx + vw
            elif x1 <= vx + vw / 2 < right:
                right = vx
    return left, right


def _within(ink: np.ndarray, run: tuple, top: int, bottom: int) -> bool:
    """The run's ink ends inside the band top..bottom: no stroke in its columns goes on above or below
    (the foot of a glyph of the cell above, or of the line above, is cut by the band and looks raised)."""
    x0, t, x1, b = (int(v) for v in run)
    cols = np.any(ink[:, x0:x1], axis=1)
    above, below = t, b
    while above > 0 and cols[above - 1]:
        above -= 1
    while below < len(cols) and cols[below]:
        below += 1
    return above >= top and below <= bottom


def _column_runs(ink: np.ndarray, left: float, right: float, top: int, bottom: int) -> list[tuple]:
    """The runs of inked columns between `left` and `right` in the band top..bottom, each as the box
    (x0, top, x1, bottom; pixels) of its ink."""
    a, b = max(0, int(left)), min(ink.shape[1], int(right) + 1)
    band = ink[max(0, top):bottom, a:b] > 0
    if not band.size:
        return []
    cols = np.flatnonzero(band.any(axis=0))
    if not cols.size:
        return []
    breaks = np.flatnonzero(np.diff(cols) > 1)
    out = []
    for first, last in zip(np.r_[cols[0], cols[breaks + 1]], np.r_[cols[breaks], cols[-1]], strict=False):
        rows = np.flatnonzero(band[:, first:last + 1].any(axis=1))
        out.append((a + first, max(0, top) + rows[0], a + last + 1, max(0, top) + rows[-1] + 1))
    return out


def _as_blobs(runs: list[tuple]) -> np.ndarray:
    """Column runs as rows of `_blobs` (x0, top, x1, bottom, centre x)."""
    return np.array([(x0, top, x1, bottom, (x0 + x1) / 2) for x0, top, x1, bottom in runs],
                    dtype=np.float64).reshape(-1, 5)


def _raised_run(run: tuple, base: float, size: float, s: OcrSettings) -> bool:
    """A column run shaped like a superscript digit: its ink ends well above the baseline and reaches
    up to the tops of the line's glyphs (a small stroke of a Chinese glyph standing apart, such as
    忄's dot, sits lower), is shorter than a full digit but not a speck, and no wider than a digit."""
    x0, top, x1, bottom = run
    height = bottom - top
    return (base - bottom > s.sup_rise * size and base - top >= s.marker_top * size
            and s.marker_min * size <= height < s.sup_height * s.digit_ink * size and x1 - x0 <= s.digit_ink * size)


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _glyphs(quad: np.ndarray, text: str, words: list) -> list[tuple[str, float | None, float, float]]:
    """(glyph, score, x0, x1) in pixels for every non-space glyph of a line: from the recogniser's
    glyph boxes where it gave them, else the line box shared out by glyph width."""
    out: list[tuple[str, float | None, float, float]] = []
    for txt, score, box in words:
        box = np.asarray(box, dtype=np.float64)
        x0, x1 = float(box[:, 0].min()), float(box[:, 0].max())
        glyphs = [c for c in txt if not c.isspace()]
        if not glyphs:
            continue
        widths = [1.0 if _is_cjk(c) else 0.55 for c in glyphs]
        at = x0
        for c, wd in zip(glyphs, widths, strict=False):
            step = (x1 - x0) * wd / sum(widths)
            out.append((c, float(score), at, at + step))
            at += step
    if out:
        return out
    glyphs = [c for c in text if not c.isspace()]
    widths = [1.0 if _is_cjk(c) else 0.55 for c in glyphs]
    x0, x1 = float(quad[:, 0].min()), float(quad[:, 0].max())
    at = x0
    for c, wd in zip(glyphs, widths, strict=False):
        step = (x1 - x0) * wd / sum(widths)
        out.append((c, None, at, at + step))
        at += step
    return out


def _ink_rows(ink: np.ndarray, x0: float, x1: float, top: int, bottom: int) -> tuple[int, int] | None:
    """First and last ink row in the column range x0..x1 between rows top..bottom."""
    a, b = max(0, int(x0 + 0.5)), min(ink.shape[1], int(x1 + 0.5))
    if b <= a or bottom <= top:
        return None
    rows = np.flatnonzero(ink[top:bottom, a:b].any(axis=1))
    return (top + int(rows[0]), top + int(rows[-1]) + 1) if rows.size else None


NUMBER = re.compile(r"[0-9.%．％,，]*[0-9][0-9.%．％]*")
# A GB/T 9704 page number "— N —": the recogniser often reads its dashes as 一 (the CJK "one").
DASHED_NUMBER = re.compile(r"[一—–\-－─]+[0-9]+[一—–\-－─]+")
FLAT = set("一二—–-－─_~～…")     # glyphs whose ink is a thin stroke: no measure of the font size
SUPERSCRIPT_DIGITS = set("⁰¹²³⁴⁵⁶⁷⁸⁹")


def to_chars(lines, ink: np.ndarray, pt: float, number: int, s: OcrSettings) -> tuple[list[Char], list[Problem]]:
    import cv2

    chars: list[Char] = []
    problems: list[Problem] = []
    if not lines:
        return chars, problems
    depth = cv2.distanceTransform(ink, cv2.DIST_L2, 3)      # ink pixel → distance to paper
    for quad, text, score, words in lines:
        top_px, bottom_px = int(quad[:, 1].min()), int(quad[:, 1].max()) + 1
        bbox = tuple(round(v * pt, 1) for v in (quad[:, 0].min(), quad[:, 1].min(), quad[:, 0].max(), quad[:, 1].max()))
        if score < s.keep_score:
            problems.append(Problem("ocr", "text too uncertain to read (OCR), left out", page=number,
                                    text=text.strip(), bbox=bbox, code=Code.OCR_TEXT_UNCERTAIN))
            continue
        glyphs = _glyphs(quad, text, words)
        if DASHED_NUMBER.fullmatch("".join(g[0] for g in glyphs)):
            glyphs = [("—" if c == "一" else c, conf, x0, x1) for c, conf, x0, x1 in glyphs]
        glyphs = _permille(_dashes_between_names(glyphs))
        inks = [_ink_rows(ink, x0, x1, top_px, bottom_px) for _, _, x0, x1 in glyphs]
        size_px, base_px = _line_metrics(glyphs, inks, s, top_px, bottom_px)
        blobs = _blobs(ink, top_px, bottom_px)
        bold = _bold_opening(glyphs, depth, top_px, bottom_px, s)
        line_chars = []
        for k, ((c, conf, x0, x1), _rows) in enumerate(zip(glyphs, inks, strict=False)):
            conf = score if conf is None else conf
            size, base = size_px, base_px
            raised = None
            if c.isdigit():         # the digit's own ink decides, as blobs or as a run of inked columns
                raised = _raised(blobs, x0, x1, base_px, size_px, s) or _raised(
                    _as_blobs(_column_runs(ink, x0 - size_px, x1 + size_px, top_px, bottom_px)),
                    x0, x1, base_px, size_px, s)
            if c in SUPERSCRIPT_DIGITS:     # the recogniser read a superscript ("规划⁵"): its ink is the
                c = nfkc(c)    # raised run nearest its (loose) box, if one is seen
                runs = [r for r in _column_runs(ink, x0 - size_px / 2, x1 + size_px / 2, top_px, bottom_px)
                        if _raised_run(r, base_px, size_px, s)]
                raised = raised or min(runs, key=lambda r: abs(r[0] + r[2] - x0 - x1), default=None) or (
                    x0, base_px - s.cjk_ink * size_px, x1, base_px - s.sup_rise * size_px - 1)
            if raised is not None:                                  # a raised small digit: a superscript
                x0, x1 = raised[0], raised[2]
                size, base = s.sup_size * size_px, raised[3]
            line_chars.append(Char(text=c, x0=round(x0 * pt, 2), x1=round(max(x1, x0 + 1) * pt, 2),
                                   top=round((base - 0.88 * size) * pt, 2), bottom=round((base + 0.12 * size) * pt, 2),
                                   baseline=round(base * pt, 2), size=round(size * pt, 2), font=FONT, bold=k < bold,
                                   conf=round(min(conf, 1.0), 4)))
        chars.extend(line_chars)
        problems.extend(doubtful_numbers(line_chars, number, s))
    return chars, problems


def _dashes_between_names(glyphs: list) -> list:
    """The recogniser reads a full-width dash as 一 (the same stroke): between two place names
    (陆翔路一祁连山路, a road from one to the other) it is the dash (patterns.json `ocr_yi_as_dash`)."""
    text = "".join(g[0] for g in glyphs)
    at = {m.start() for m in data.regex("ocr_yi_as_dash").finditer(text)}
    return [("—", *g[1:]) if k in at else g for k, g in enumerate(glyphs)] if at else glyphs


def _permille(glyphs: list) -> list:
    """The recogniser reads ‰ as a percent sign and a zero ("婴儿死亡率控制在2.6%0", a 单位 cell "%0"):
    after a number or alone, a % followed by a 0 or o that no digit or point follows is ‰ (patterns.json
    `ocr_permille`), one glyph over the two boxes, as sure as the less sure of them."""
    text = "".join(g[0] for g in glyphs)
    at = [m.start() for m in data.regex("ocr_permille").finditer(text)]
    if not at:
        return glyphs
    out = list(glyphs)
    for k in reversed(at):
        (_, conf, x0, _), (_, conf2, _, x1) = out[k], out[k + 1]
        sure = conf2 if conf is None else conf if conf2 is None else min(conf, conf2)
        out[k:k + 2] = [("‰", sure, x0, x1)]
    return out


def _bold_opening(glyphs, depth: np.ndarray, top: int, bottom: int, s: OcrSettings) -> int:
    """How many glyphs the line opens with in bold: its first sentence ("一是……。", "创新发展新引擎加速
    打造。") when that sentence's strokes are clearly heavier than the rest of the line's. The OCR'd
    glyphs carry no font, so the weight is measured from the image: the mean distance from an ink
    pixel of a Chinese glyph to the paper, which grows with the stroke width. Measured against the
    same line (same scan, blur and threshold), not an absolute width in pixels nor the whole page
    (lines of one page differ by up to a fifth)."""
    text = "".join(g[0] for g in glyphs)
    end = first_sentence_end(text)
    if end is None:
        return 0

    def weight(part) -> float | None:
        values = [depth[top:bottom, max(0, int(x0)):int(x1) + 1] for c, _, x0, x1 in part if _is_cjk(c)]
        values = [v[v > 0] for v in values]
        if len(values) < 2 or not sum(v.size for v in values):
            return None
        return float(np.concatenate(values).mean())

    opening, rest = weight(glyphs[:end]), weight(glyphs[end:])
    return end if opening and rest and opening >= s.bold_stroke * rest else 0


def _blobs(ink: np.ndarray, top: int, bottom: int) -> np.ndarray:
    """The ink blobs (connected components) of a line's band: rows of x0, top, x1, bottom, centre x
    (pixels); specks of a few pixels left out."""
    import cv2

    band = np.ascontiguousarray(ink[max(0, top):bottom])
    n, _, stats, centroids = cv2.connectedComponentsWithStats(band, connectivity=8)
    keep = stats[1:n, 4] >= 4
    x, y, w, h = (stats[1:n, k][keep] for k in range(4))
    return np.stack([x, y + max(0, top), x + w, y + h + max(0, top), centroids[1:n, 0][keep]], axis=1) \
        if keep.any() else np.zeros((0, 5))


def _raised(blobs: np.ndarray, x0: float, x1: float, base: float, size: float,
            s: OcrSettings) -> tuple[float, float, float, float] | None:
    """The ink box (pixels) of a digit set small and raised above the line: every ink blob centred in
    the glyph's box ends well above the baseline and together they are shorter than a full digit.
    The recogniser's glyph boxes are loose, so the blobs, not the box, decide (a full-size digit, or
    a neighbour's stroke reaching the baseline, keeps the glyph on the line)."""
    mine = blobs[(blobs[:, 4] >= x0) & (blobs[:, 4] <= x1)]
    if not len(mine):
        return None
    left, top, right, bottom = mine[:, 0].min(), mine[:, 1].min(), mine[:, 2].max(), mine[:, 3].max()
    if base - bottom > s.sup_rise * size and bottom - top < s.sup_height * s.digit_ink * size:
        return float(left), float(top), float(right), float(bottom)
    return None


def _line_metrics(glyphs, inks, s: OcrSettings, top: int, bottom: int) -> tuple[float, float]:
    """Font size and baseline (pixels) of a line from the ink of its Chinese glyphs (else digits)."""
    cjk = [(r[1] - r[0], r[1]) for (c, *_), r in zip(glyphs, inks, strict=False) if r and _is_cjk(c) and c not in FLAT]
    if cjk:
        size = median(h for h, _ in cjk) / s.cjk_ink
        return size, median(b for _, b in cjk) - s.descent * size
    tall = [(r[1] - r[0], r[1]) for (c, *_), r in zip(glyphs, inks, strict=False) if r and (c.isdigit() or c.isupper())]
    if tall:
        size = median(h for h, _ in tall) / s.digit_ink
        return size, median(b for _, b in tall)
    size = (bottom - top) / 1.3
    return size, bottom - 0.2 * size


def doubtful_numbers(chars: list[Char], number: int, s: OcrSettings) -> list[Problem]:
    """Every number of the line with a glyph read below the confidence bar, with its box. A footnote
    marker (a superscript) is no part of a number: "5" raised before "1+1+3" is not "51"; nor is a
    comma before or after it (the "，" of "开工，5个"), and digits glued to a Latin letter are part of
    a unit or a name, no figure (the 2 of km2, PM2.5)."""
    if not chars:
        return []
    text = "".join(c.text for c in chars)
    full = max(c.size for c in chars)
    numbers = "".join(" " if c.size < (1 + s.sup_size) / 2 * full else c.text for c in chars)   # markers out
    out = []
    for m in NUMBER.finditer(numbers):
        start, end = m.start(), m.end()
        while numbers[start] in ",，":
            start += 1
        while numbers[end - 1] in ",，":
            end -= 1
        if start > 0 and numbers[start - 1].isascii() and numbers[start - 1].isalpha():
            continue
        run = chars[start:end]
        worst = min(c.conf for c in run if c.conf is not None)     # (OCR's chars all carry one)
        if worst < s.low_confidence:
            out.append(Problem("ocr", "number read with low OCR confidence", page=number,
                               text=f"{numbers[start:end]} ({worst:.2f}) in {text}",
                               bbox=(min(c.x0 for c in run), min(c.top for c in run),
                                     max(c.x1 for c in run), max(c.bottom for c in run)), code=Code.OCR_LOW_CONFIDENCE))
    return out
