"""Settings: every threshold the stages use, in one record of three parts — load (the text layer),
layout (lines, grids, tables, paragraphs) and ocr (scanned pages).

Each layout value is a share of a font size (the line's own size, the body text size or the table
text size) or of the page size, so a notice set larger, smaller or on another paper reads the same.
A new typesetter is one reviewed change here, not a hunt through the stages. `api.extract` takes a
`Settings` (default `DEFAULT`) and passes each stage its part explicitly; no stage has a default of
its own, so a caller (or a test) that passes `Settings(layout=LayoutSettings(...))` changes what
every stage does.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LayoutSettings:
    # ---- lines (lines.py): shares of the line's own font size
    # a char smaller than this share of its line's size is a superscript candidate (footnote
    # markers and exponents are set at 60-70 % of the text; body text varies by less than 20 %)
    small: float = 0.8
    # a char of the line's size raised by more than this share of it is a superscript: a marker
    # raised by text rise (①, [1]) sits 30-40 % up; a baseline jitter is far under 20 %
    rise: float = 0.2
    # a smaller char raised by more than this share of the line's size is a superscript (a small
    # char on the baseline, e.g. a smaller-set unit, is not)
    small_rise: float = 0.15
    # a smaller cluster (a marker, an exponent) may sit this share of the line's size below its
    # baseline and still join the line (glyphs of small digits drop slightly)
    sup_below: float = 0.15
    # chars whose baselines differ by at most this share of the smaller size are one printed line
    # (line pitch is ≥ 1.2 sizes, so 0.3 never joins two lines)
    same_line: float = 0.3
    # a superscript cluster's baseline lies at most this share of the size above its line's
    # baseline (higher than a full size up it would be the line above)
    sup_reach_up: float = 0.9
    # a superscript cluster lies within this many sizes left or right of its line's ends
    sup_reach_side: float = 2.0
    # a gap wider than this share of the size between two Latin letters or digits is a word space
    # (CJK text is set solid; a Latin word space is about a third of the size)
    word_gap: float = 0.25

    # ---- page regions (layout.py)
    # share of the page height, at the bottom, where page numbers live
    footer_zone: float = 0.12
    # share of the page height, at the top, where running headers and top page numbers live
    header_zone: float = 0.08
    # a char whose centre lies this share of the body size outside a grid still belongs to it
    # (glyph boxes of text set tight against a rule poke past it slightly)
    grid_margin: float = 0.08
    # a footnote separator rule lies below this share of the page height (notes sit at the foot)
    separator_below: float = 0.4
    # a footnote separator is shorter than this share of the page width (a table rule is longer)
    separator_width: float = 0.45
    # a footnote separator starts within this many body sizes of the text's left margin
    separator_indent: float = 1.5
    # the text under a separator is smaller than this share of the text above it
    note_smaller: float = 0.9
    # without a separator, the lines at the page foot smaller than this share of the body size
    # (notes are set a size or two smaller than the body) form the footnote block
    note_block_size: float = 0.85
    # a top line (digits aside) repeated on at least this many pages and this share of all pages
    # is a running header
    running_header_pages: int = 3
    running_header_share: float = 0.5
    # the body size assumed for a document with no text at all
    fallback_body_size: float = 12.0

    # ---- table grids (grids.py)
    # rules closer than this share of the body size are one edge (double-drawn or anti-aliased
    # rules lie a point or two apart; rows are a full size or more apart)
    snap: float = 0.15
    # a span counts as drawn when a rule covers it from this share in from each end (a rule
    # stopped short of a crossing by its line width still draws the segment)
    cover_inset: float = 0.25
    # a horizontal rule longer than this share of the page width can frame a rule-only table
    long_rule: float = 0.3
    # rules whose left and right ends lie within this share of the body size are one stack
    stack_ends: float = 0.4
    # a rule-only ("three-line") table has at least this many horizontal rules
    min_three_line: int = 3
    # in a rule-only table, a gap wider than this share of the table's text size separates
    # two columns (chars inside one cell text are set solid or a word space apart)
    column_gap: float = 0.5
    # text runs whose edges lie within this share of the table's text size are aligned on that
    # edge (left-aligned cells start at their cell's edge)
    aligned: float = 0.1
    # a vertical gap wider than this share of the table's text size between the printed lines of
    # a rule-less body separates two rows: a wrapped cell's lines are set at the line pitch (a gap
    # of ~0.3), rows are parted by their cells' top and bottom padding as well
    row_gap: float = 0.7

    # ---- tables printed with no rules at all (aligned.py)
    # a line with at least this many runs that are known column headers is a table's header
    aligned_header_runs: int = 3
    # lines whose sizes differ by more than this share are not one table's (the report's body
    # text is set larger than its tables)
    aligned_size: float = 0.1
    # a gap wider than this many table text sizes ends a rule-less table: rows are parted by a
    # line or so of padding, a table by its title, a note or the paragraphs after it
    aligned_table_break: float = 2.0

    # ---- logical tables (tables.py)
    # at most this many leading rows of a ruled grid are header rows
    max_header_rows: int = 3
    # the table title (表N …) is one of this many lines above its grid (a 附表N label may stand on a
    # line of its own above it, the title may wrap, and a 单位：亿元 line may follow it)
    title_lines: int = 4
    # a line under a table note (注：…) continues it when the gap between them is below this share
    # of the note's size (notes are set at a line pitch up to ~1.9 sizes: a gap up to ~0.9) and it
    # starts no further right than the note's first line (`flush`)
    note_wrap: float = 1.0
    # a title line may end this share of its size below the grid's top rule (descenders)
    title_overlap: float = 0.08

    # ---- narrative (narrative.py): shares of the line's size unless told
    # a wrapped line this close to the text after a list number (1、…) hangs under it
    hang_align: float = 0.25
    # a cover line larger than this share of the body size is (part of) the title
    title_size: float = 1.2
    # the line pitch assumed for a size with no two consecutive lines to measure
    default_pitch: float = 1.5
    # a baseline gap wider than this share of the typical pitch opens a new paragraph
    paragraph_gap: float = 1.3
    # a first line indented by this many sizes from the left margin opens a paragraph
    # (Chinese text indents two characters)
    indent_min: float = 1.5
    indent_max: float = 2.6
    # a line ending within this many sizes of the right margin is full: the paragraph goes on
    full_line: float = 1.0
    # a line starting within this share of its size from the left margin is flush left
    flush: float = 0.5
    # a line whose centre lies within this many sizes of the page centre, and which starts more
    # than that from the left margin, is centred (titles, subtitles)
    centred: float = 1.0
    # two lines whose sizes differ by more than this share of the larger are in different blocks
    size_change: float = 0.1
    # "1 绿道：…": a gap wider than this share of the size after a leading number makes it a
    # note number ("2021年…" is set solid)
    note_number_gap: float = 0.3
    # a note's topic term (3个产业研究院) is found in the text it explains with at most this many
    # chars between two of its own (…产业技术研究院: the note shortens, OCR inserts a stray glyph)
    topic_gap: int = 2
    # the left margin is this quantile of the body lines' left ends (a few lines start left of
    # it: hanging numbers); the right margin this quantile of their right ends
    left_quantile: float = 0.05
    right_quantile: float = 0.98

    # ---- cover (notice.py): lengths in chars
    # the issue date line of the signature is at most this long; the issuer line above it too
    signature_chars: int = 20
    issuer_chars: int = 40


@dataclass(frozen=True)
class LoadSettings:
    # ---- chars (load/backend.py): shares of the font size
    # a char's box from its baseline when a library gives only the baseline and the size: CJK
    # faces set their ideographs from about 0.88 em above the baseline to 0.12 em below it
    ascent: float = 0.88
    descent: float = 0.12
    # a filled path thinner than this (pt) is a ruling line, not a shape: table rules are drawn
    # 0.5-1.5 pt wide; glyphs are never drawn as filled boxes this thin and long (absolute, as a
    # rule's width does not follow the text size)
    thin_rule: float = 2.5
    # ---- text layer (load/document.py, load/textcheck.py)
    # a page without text drawing at least this many curved paths draws its text as glyph
    # outlines (a path a glyph or a word); a logo, a seal or a chart alone draws fewer
    outline_paths: int = 10
    # a page is unreadable when this many of its chars are misdecoded (evidence of a font read
    # without its map), or when at least `garbage_share` of its chars, and this many, are garbage
    # of any kind; below that, garbage chars (a private-use bullet, a soft hyphen) are left out
    min_garbage: int = 5
    garbage_share: float = 0.1
    # an ASCII char drawn at least this wide (share of the font size) is a CJK glyph (one em wide)
    # misread as a narrow char: CJK fonts draw ASCII at half width, proportional Latin fonts at
    # most ~0.97 em (W), and printed full-width forms have code points of their own
    wide_ascii: float = 0.99
    # ---- bold told by ink (load/weight.py): one face drawn by two font programs whose names do not
    # tell the weight (a browser's synthetic bold: Type 3 glyphs under the regular face's name)
    # pages are drawn at this many pixels per point to weigh glyphs (72 dpi: a 10.5 pt glyph is
    # 10 px, its strokes 1-2 px, enough for the ink of a glyph averaged over its box)
    ink_scale: float = 1.0
    # a program whose glyphs carry this many times the ink of the same glyphs (same code points) in
    # the face's main program is its bold: a bold face inks 1.5-2 times its regular, one glyph
    # drawn twice at one weight differs by under 15 % (anti-aliasing at another position)
    ink_bold_ratio: float = 1.3
    # code points drawn by both programs needed before their weights are compared, and enough
    # compared to stop drawing pages; at most this many pages drawn per program weighed
    ink_min_shared: int = 3
    ink_enough: int = 12
    ink_pages: int = 4


@dataclass(frozen=True)
class OcrSettings:
    """Thresholds of the OCR backend (ocr/page.py), in shares of the page or of the font size read."""
    work_dpi: float = 200.0         # pages are read at this resolution (a finer scan is scaled down)
    profile_side: int = 800         # longer side (pixels) of the reduced copy the skew and orientation use
    det_glyph: float = 20.0         # lines are detected on a copy of the page whose text (its median glyph) is
                                    # this many pixels: the detector's cost goes with the pixels (a 200-dpi
                                    # page of 16-pt text is detected at 0.45 of its size, 4.8 times cheaper)
    det_min_scale: float = 0.3      # … the copy at least this share of the page's size
    det_margin: float = 3.0         # … the copy holds only the rows and columns of ink, and this many text sizes
                                    # round them (blank margins and blanked cells cost nothing; at one, a page
                                    # number near the copy's edge lost its last dash, and at two one more)
    det_widest: int = 8             # … and is at most this many times wider than tall (rapidocr's own limit)
    cell_rule_reach: int = 4        # ruling lines are lengthened by this many pixels to close the cells …
    cell_square: float = 0.85       # … a cell is a rectangle of paper the rules enclose (this share of its box) …
    cell_min: float = 0.8           # … at least this share of the text size each way
    cell_part: float = 0.55         # a run of inked rows in a cell shorter than this share of a cell line's height
                                    # (the median run of the page's cells) is part of a line (a stroke of 三) …
    cell_join: float = 0.35         # … and joins the run beside it within this share of a line
    cell_line_max: float = 1.5      # a cell's line taller than this share of a line is two lines set touching: the
                                    # cell is left to the detector
    cell_line_min: float = 0.7      # a cell's line is boxed at least this share of a line tall (a dash)
    cell_speck: float = 0.25        # ink smaller than this share of a line each way is a speck
    rec_precision: str = "bf16"     # recognition's arithmetic on OpenVINO where the CPU has bfloat16 ("f32"
                                    # elsewhere, or to have it everywhere): 2.3 times faster here
    rec_batch: int = 6              # line crops recognised together, sorted by width (measured 0.12 s a
                                    # 1920-px crop in sixes, 0.15 in sixteens) …
    rec_spread: float = 1.5         # … of crops at most this much wider than the batch's narrowest (a batch is
                                    # padded to its widest crop)
    rec_width_step: int = 64        # a batch's padded width is a multiple of this many pixels, so the shapes
                                    # repeat from page to page (OpenVINO prepares each new shape)
    max_skew: float = 3.0           # degrees searched either way when deskewing
    skew_step: float = 0.05         # finest skew step, degrees
    sideways_ratio: float = 1.3     # ink runs this much longer down the page than across: sideways …
    sideways_blob: float = 4.0      # … measured without ink this many glyph sizes each way (a table's grid: it
                                    # runs both ways and drowned the text's runs)
    inverted_below: int = 96        # a page image whose median grey is darker than this is stored inverted:
                                    # paper is most of any page, so it is white ink on black (a CCITT image
                                    # with the wrong BlackIs1, a CMYK JPEG stored inverted), read inverted back
    join_reach: float = 0.6         # glyphs this share of their size apart join into a line (orientation)
    flip_share: float = 0.6         # share of lines the classifier reads upside down: the page is
    flip_lines: int = 3             # … counted among at least this many lines it is sure of …
    cls_sure: float = 0.9           # … that is, read with at least this score
    cls_lines: int = 12             # … among the page's this many widest line crops (the classifier's cost)
    cut_gap: float = 4.0            # pixels kept clear either side of a vertical rule that cuts a detected line
    cut_min: float = 0.4            # a piece of a cut line narrower than this share of its height is dropped
    cut_pad: float = 0.2            # a piece is cut back to its ink, padded by this share of the line's height
                                    # (the detector pads its boxes by about that: 6–10 px on a 47-px line)
    missed_near: float = 0.3        # ink within this share of a line's height of a detected box is its edge
    missed_low: float = 0.35        # ink in a ruled area that no box covers is boxed when it is this share …
                                    # (a lone digit's ink is 0.7 of the size, a box detected on the reduced
                                    # page up to 1.6 times the size tall: at 0.5, 3, 7 and 9 of a 序号 column
                                    # were lost)
    missed_high: float = 1.5        # … to this share of the median line's height tall …
    missed_narrow: float = 0.2      # … and at least this share of it wide,
    missed_pad_x: float = 0.1       # … its box padded by this share of it across …
    missed_pad_y: float = 0.2       # … and this share up and down,
    tallest_crop: float = 1.4       # … and widened to at most this height over width (rapidocr turns a crop
                                    # 1.5 times taller than wide by 90°: an 8 was read as ∞)
    rule_len_h: float = 0.05        # a horizontal ruling line is at least this share of the page width
    rule_len_cell: float = 0.01     # … or this share, where it runs from one vertical rule to another (the edge
                                    # of a narrow cell: a 序号 column's, 26 pt of a 595-pt page, beside a merged
                                    # category cell)
    rule_len_v: float = 0.022       # a vertical one at least this share of the page height …
    rule_alone_v: float = 0.06      # … and this long unless it meets a horizontal one (else a stroke)
    rule_width: float = 0.004       # a ruling line is at most this thick (share of the page width)
    keep_score: float = 0.5         # a text line scored below this is not kept (and is reported)
    low_confidence: float = 0.9     # a number with a glyph scored below this is a problem
    cjk_ink: float = 0.86           # ink height of a Chinese glyph, as a share of the font size
    digit_ink: float = 0.70         # ink height of a digit or capital, as a share of the font size
    sup_rise: float = 0.25          # a digit whose ink ends this many sizes above the line's …
    sup_height: float = 0.75        # … and is shorter than this share of a full digit: superscript
    sup_size: float = 0.6           # the size given to a superscript char, share of its line's
    descent: float = 0.06           # share of the size a Chinese glyph's ink reaches below the baseline
    marker_reach: float = 1.5       # a note's number may stand this many sizes left of its detected line
    marker_min: float = 0.25        # a raised digit's ink is at least this share of the size tall (a set-small
                                    # digit is about sup_size × digit_ink = 0.42; a stray dot much less)
    marker_top: float = 0.65        # … and its top at least this share of the size above the baseline (the
                                    # glyph tops stand at cjk_ink − descent = 0.8)
    bold_stroke: float = 1.15       # a line's opening sentence whose strokes are this much heavier than the
                                    # rest of the line is bold (measured on scans: bold leads 1.2–1.45 of
                                    # their line, a regular opening at most 1.1)


@dataclass(frozen=True)
class Settings:
    """The settings of every stage, passed from `api.extract` (and a batch's task) to each."""
    load: LoadSettings = field(default_factory=LoadSettings)
    layout: LayoutSettings = field(default_factory=LayoutSettings)
    ocr: OcrSettings = field(default_factory=OcrSettings)


DEFAULT = Settings()
