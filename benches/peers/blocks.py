"""Shared helpers for the peer adapters: read the input, cut it into blocks,
write one sentence per line to stdout.

Blocks are the blank-line-separated paragraphs of the input (in the generated
test text, one block per source document).  Both peers see exactly the same
blocks, so neither gets an advantage from the cut.  A block longer than
`limit` characters (possible only with a user-supplied file) is cut further at
single newlines and, failing that, at the last space before the limit.
"""

import re
import sys

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")


def _cut(block, limit):
    """Yield pieces of `block` no longer than `limit` characters."""
    if len(block) <= limit:
        yield block
        return
    for line in block.split("\n"):
        while len(line) > limit:
            at = line.rfind(" ", 0, limit)
            at = limit if at <= 0 else at
            yield line[:at]
            line = line[at:]
        yield line


def blocks(text, limit=100_000):
    """Non-empty blocks of `text`, each at most `limit` characters."""
    for block in _BLANK_LINE.split(text):
        for piece in _cut(block, limit):
            if piece.strip():
                yield piece


def read_input(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write_sentences(sentences):
    """Write one sentence per line to stdout (UTF-8 whatever the locale);
    inner whitespace (incl. newlines) is collapsed to one space so that
    line count == sentence count."""
    n = 0
    with open(sys.stdout.fileno(), "w", encoding="utf-8", buffering=1 << 20,
              closefd=False) as out:
        for s in sentences:
            s = " ".join(s.split())
            if s:
                out.write(s)
                out.write("\n")
                n += 1
    return n


def input_path():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} INPUT.txt > OUTPUT.txt")
    return sys.argv[1]
