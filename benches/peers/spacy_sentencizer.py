"""Peer: spaCy's rule-based `sentencizer` on a blank Swedish pipeline.

No trained model: spacy.blank("sv") gives the Swedish tokenizer (needed by any
spaCy pipe) and the sentencizer splits after . ! ? and similar tokens.
Usage: python spacy_sentencizer.py INPUT.txt > OUTPUT.txt
"""

import spacy

from blocks import blocks, input_path, read_input, write_sentences


def main():
    nlp = spacy.blank("sv")
    nlp.add_pipe("sentencizer")
    text = read_input(input_path())
    # spaCy refuses texts over nlp.max_length (1,000,000 chars), so feed it
    # the same blocks Punkt gets (all far below that limit); nlp.pipe batches
    # them, the way spaCy is meant to be used on many texts.  One process
    # (the default n_process=1), like `lofte --threads 1`.
    docs = nlp.pipe(blocks(text), batch_size=256)
    write_sentences(s.text for doc in docs for s in doc.sents)


if __name__ == "__main__":
    main()
