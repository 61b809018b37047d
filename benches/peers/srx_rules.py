"""Cut an SRX file down to the rules one language gets, for the srx peer.

    python srx_rules.py SEGMENT.srx LANG OUT.srx

The srx crate compiles every language's rules when it reads a file; LanguageTool's
`segment.srx` has some thirty languages, and compiling them took 0.45 s, a share of
the timed run that has nothing to do with splitting Swedish. This keeps the rule
sets that LANG maps to (every matching <languagemap> when the header cascades, else
the first), and their map entries, so the peer splits exactly as with the whole file.
Prints the names of the rule sets kept.
"""

import re
import sys

MAP = re.compile(
    r'<languagemap\s+languagepattern="([^"]*)"\s+languagerulename="([^"]*)"\s*'
    r"(?:/>|>\s*</languagemap>)"
)
RULES = re.compile(r'<languagerule\s+languagerulename="([^"]*)"\s*>.*?</languagerule>', re.S)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: python srx_rules.py SEGMENT.srx LANG OUT.srx")
    src, lang, dst = sys.argv[1:]
    with open(src, encoding="utf-8") as f:
        xml = f.read()
    cascade = re.search(r'<header\b[^>]*\bcascade="yes"', xml) is not None
    wanted = []
    for pattern, name in MAP.findall(xml):
        if re.fullmatch(pattern, lang):
            wanted.append(name)
            if not cascade:
                break
    if not wanted:
        sys.exit(f"{src}: no <languagemap> matches {lang}")
    xml = RULES.sub(lambda m: m.group(0) if m.group(1) in wanted else "", xml)
    xml = MAP.sub(lambda m: m.group(0) if m.group(2) in wanted else "", xml)
    with open(dst, "w", encoding="utf-8") as f:
        f.write(xml)
    print(" ".join(wanted))


if __name__ == "__main__":
    main()
