//! HTML: the visible text of a web page, laid out as lines the segmenter understands.
//!
//! Input: decoded HTML. Output: plain text in which block structure becomes layout:
//! a heading or paragraph is a block between blank lines, a list item a `• ` line (in
//! a list inside a list, a `– ` line, and so on: `segment::level_bullet`), a `<br>` a
//! line break, a table row one line with its cells separated by tabs.
//! Scripts, styles, navigation, headers, footers, forms and asides are dropped; when
//! the page has a `<main>` or `<article>`, only that is read.
//!
//! A page is parsed into a tree (html5ever, through scraper) and the tree walked. The
//! tree builder checks each tag against the elements still open, so a page nested
//! very deep costs time in the square of its depth (100,000 nested `<div>`s: 31 s).
//! Such a page is read flat instead, tag by tag, with the same layout rules.

use std::cell::RefCell;

use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use scraper::{ElementRef, Html, HtmlTreeSink, Node, Selector};

use crate::matcher::floor_char_boundary;
use crate::segment::level_bullet;

/// How deep elements may nest before the page is read flat. Real pages nest a few
/// dozen deep; up to this depth the tree costs at most a few hundred steps a tag.
const MAX_DEPTH: usize = 512;

/// How much of the page the tree builder is given at a time; the depth is checked
/// between pieces, so a page can nest at most a piece's tags deeper than `MAX_DEPTH`
/// before it is found out.
const PIECE: usize = 4 * 1024;

/// Elements without content or end tag: never the start of a skipped stretch.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements whose content is never part of the agreement.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "svg",
    "iframe", "template", "head", "select", "menu",
];

/// Elements that start and end a block of text; lists (`ul`, `ol`) do too, in `walk`,
/// which also counts how deep they nest.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "figure",
    "figcaption",
    "address",
    "body",
];

/// Does this look like an HTML document, whatever its file name says?
pub fn looks_like_html(text: &str) -> bool {
    let text = text.trim_start();
    if !text.starts_with('<') {
        return false;
    }
    let head: String = text.chars().take(200).collect::<String>().to_lowercase();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || (head.starts_with("<") && head.contains("<body"))
}

/// The visible text of an HTML page, as lines and blocks.
///
/// ```
/// let page = "<html><body><nav>Meny</nav><main><h1>Medborgarlöfte</h1><p>Polisen lovar att:</p><ul><li>genomföra trygghetsvandringar</li></ul></main></body></html>";
/// assert_eq!(lofte::html::text_of(page), "Medborgarlöfte\n\nPolisen lovar att:\n\n• genomföra trygghetsvandringar\n");
/// ```
pub fn text_of(html: &str) -> String {
    read_page(html).text
}

/// A page's visible text, and what a reader should know about how it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub text: String,
    /// Why the page was read flat rather than as a tree, if it was.
    pub warning: Option<String>,
}

/// Reads a page as a tree, or flat when it nests deeper than `MAX_DEPTH`.
pub fn read_page(html: &str) -> Page {
    match parse_tree(html) {
        Some(document) => Page {
            text: text_of_tree(&document),
            warning: None,
        },
        None => Page {
            text: text_of_tokens(html),
            warning: Some(format!(
                "the page nests elements more than {MAX_DEPTH} deep, so it was read tag by \
                 tag: all its text is kept, but a <main> or <article> in it is not read alone"
            )),
        },
    }
}

/// The page as a tree, or `None` once its newest element lies deeper than `MAX_DEPTH`.
fn parse_tree(html: &str) -> Option<Html> {
    let mut parser =
        html5ever::parse_document(HtmlTreeSink::new(Html::new_document()), Default::default());
    let mut rest = html;
    while !rest.is_empty() {
        let cut = match floor_char_boundary(rest, PIECE.min(rest.len())) {
            0 => rest.len(),
            cut => cut,
        };
        parser.process(StrTendril::from_slice(&rest[..cut]));
        rest = &rest[cut..];
        let tree = &parser.tokenizer.sink.sink.0.borrow().tree;
        // New nodes go where the parser is, so the newest one's depth is the parser's.
        let depth = tree
            .nodes()
            .next_back()
            .map_or(0, |node| node.ancestors().count());
        if depth > MAX_DEPTH {
            return None;
        }
    }
    Some(parser.finish())
}

/// The text of a parsed page: its `<main>` or `<article>` if it has one, else all.
fn text_of_tree(document: &Html) -> String {
    let main = Selector::parse("main, article, [role=main]").expect("valid selector");
    let root = document
        .select(&main)
        .next()
        .unwrap_or_else(|| document.root_element());
    let mut out = Layout::default();
    walk(root, &mut out);
    out.finish()
}

/// Builds the text, keeping track of blank lines between blocks.
#[derive(Default)]
struct Layout {
    text: String,
    /// Text of the line being built (whitespace already collapsed).
    line: String,
    /// How many lists (`ul`, `ol`) the walk is inside.
    lists: usize,
}

impl Layout {
    fn push_text(&mut self, text: &str) {
        for (idx, word) in text.split_whitespace().enumerate() {
            let starts_with_space = idx > 0 || text.starts_with(char::is_whitespace);
            if !self.line.is_empty() && starts_with_space && !self.line.ends_with(' ') {
                self.line.push(' ');
            }
            self.line.push_str(word);
        }
        if text.ends_with(char::is_whitespace) && !self.line.is_empty() && !self.line.ends_with(' ')
        {
            self.line.push(' ');
        }
    }

    /// Ends the current line.
    fn line_break(&mut self) {
        let line = self.line.trim().to_string();
        self.line.clear();
        if !line.is_empty() {
            self.text.push_str(&line);
            self.text.push('\n');
        }
    }

    /// Ends the current block: a blank line follows.
    fn block_break(&mut self) {
        self.line_break();
        if !self.text.is_empty() && !self.text.ends_with("\n\n") {
            self.text.push('\n');
        }
    }

    /// Lays out the start of an element that is read.
    fn open(&mut self, name: &str) {
        match name {
            "li" => {
                self.line_break();
                self.push_text(level_bullet(self.lists.saturating_sub(1)));
            }
            "ul" | "ol" => {
                self.lists += 1;
                self.block_break();
            }
            "tr" => self.line_break(),
            "td" | "th" if !self.line.is_empty() => self.line.push('\t'),
            _ if is_heading(name) || BLOCKS.contains(&name) => self.block_break(),
            _ => {}
        }
    }

    /// Lays out the end of an element that is read.
    fn close(&mut self, name: &str) {
        match name {
            "li" | "tr" => self.line_break(),
            "ul" | "ol" => {
                self.lists = self.lists.saturating_sub(1);
                self.block_break();
            }
            _ if is_heading(name) || BLOCKS.contains(&name) => self.block_break(),
            _ => {}
        }
    }

    fn finish(mut self) -> String {
        self.line_break();
        let trimmed = self.text.trim_end().to_string();
        if trimmed.is_empty() {
            trimmed
        } else {
            trimmed + "\n"
        }
    }
}

/// One step of the walk through the page: an element to open, a piece of text, a
/// `<br>`, or the end of an element.
enum Step<'a> {
    Open(ElementRef<'a>),
    Text(&'a str),
    LineBreak,
    Close(&'a str),
}

/// Lays out `root` and everything in it, in document order. The walk keeps its own
/// stack rather than recursing, so that a page nested a hundred thousand elements deep
/// cannot overflow the thread's stack (which would end the whole run).
fn walk(root: ElementRef, out: &mut Layout) {
    let mut steps = vec![Step::Open(root)];
    let mut children = Vec::new();
    while let Some(step) = steps.pop() {
        match step {
            Step::Open(element) => {
                let name = element.value().name();
                if SKIPPED.contains(&name) || element.value().attr("hidden").is_some() {
                    continue;
                }
                out.open(name);
                steps.push(Step::Close(name));
                children.extend(element.children().filter_map(|child| match child.value() {
                    Node::Text(text) => Some(Step::Text(text)),
                    Node::Element(element) if element.name() == "br" => Some(Step::LineBreak),
                    Node::Element(_) => ElementRef::wrap(child).map(Step::Open),
                    _ => None,
                }));
                // Last child first on the stack, so that the first is taken first.
                steps.extend(children.drain(..).rev());
            }
            Step::Text(text) => out.push_text(text),
            Step::LineBreak => out.line_break(),
            Step::Close(name) => out.close(name),
        }
    }
}

/// The text of a page read flat: its tags in the order written, laid out by the same
/// rules as the tree's elements. Nothing is implied (a missing `</ul>` leaves the list
/// open) and there is no `<main>` to single out, but time and memory grow with the
/// page's length only.
fn text_of_tokens(html: &str) -> String {
    let reader = FlatReader::default();
    let tokenizer = Tokenizer::new(reader, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    // The reader asks for nothing but raw-text states, so the tokenizer never stops
    // before the input is used up.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.out.into_inner().finish()
}

/// Lays out a page's tokens as they come.
#[derive(Default)]
struct FlatReader {
    out: RefCell<Layout>,
    /// The skipped element being read past, and how many of its name are open in it.
    skipping: RefCell<Option<(String, usize)>>,
}

impl TokenSink for FlatReader {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => return self.tag(&tag),
            Token::CharacterTokens(text) if self.skipping.borrow().is_none() => {
                self.out.borrow_mut().push_text(&text);
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

impl FlatReader {
    fn tag(&self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        let mut skipping = self.skipping.borrow_mut();
        let mut out = self.out.borrow_mut();
        match (tag.kind, skipping.as_mut()) {
            (TagKind::StartTag, Some((skipped, open))) => {
                if skipped.as_str() == name && !tag.self_closing {
                    *open += 1;
                }
            }
            (TagKind::EndTag, Some((skipped, open))) => {
                if skipped.as_str() == name {
                    *open -= 1;
                    if *open == 0 {
                        *skipping = None;
                    }
                }
            }
            (TagKind::StartTag, None) => {
                let hidden = tag.attrs.iter().any(|attr| &*attr.name.local == "hidden");
                // `<head>` is left to end by itself (its end tag is often left out):
                // the title in it is skipped by name, and the rest has no text.
                let skipped = (SKIPPED.contains(&name) && name != "head") || name == "title";
                if (skipped || hidden) && !tag.self_closing && !VOID.contains(&name) {
                    *skipping = Some((name.to_string(), 1));
                } else if name == "br" {
                    out.line_break();
                } else if !skipped && !hidden {
                    out.open(name);
                }
            }
            (TagKind::EndTag, None) => out.close(name),
        }
        // What a tree builder would tell the tokenizer: these elements hold raw text,
        // which must not be read as tags.
        match (tag.kind, name) {
            (TagKind::StartTag, "script") => TokenSinkResult::RawData(RawKind::ScriptData),
            (
                TagKind::StartTag,
                "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript",
            ) => TokenSinkResult::RawData(RawKind::Rawtext),
            (TagKind::StartTag, "title" | "textarea") => TokenSinkResult::RawData(RawKind::Rcdata),
            (TagKind::StartTag, "plaintext") => TokenSinkResult::Plaintext,
            _ => TokenSinkResult::Continue,
        }
    }
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_scripts_and_chrome_are_dropped() {
        let page = r#"<!DOCTYPE html><html><head><title>Sida</title><style>p{}</style></head><body>
            <header><a href="/">Till toppen</a></header><nav><ul><li>Meny</li></ul></nav>
            <div class="content"><h2>Polisens   åtaganden</h2>
            <p>Polisen <b>ska</b> genomföra
               trygghetsvandringar.<br>Kommunen deltar.</p>
            <ol><li>besöka skolor</li><li>ordna möten</li></ol>
            <table><tr><td>Åtgärd</td><td>Ansvar</td></tr></table>
            <script>var x = 1;</script></div><footer>Cookies</footer></body></html>"#;
        assert!(looks_like_html(page));
        assert_eq!(
            text_of(page),
            "Polisens åtaganden\n\nPolisen ska genomföra trygghetsvandringar.\nKommunen deltar.\n\n• besöka skolor\n• ordna möten\n\nÅtgärd\tAnsvar\n"
        );
    }

    #[test]
    fn a_list_inside_a_list_keeps_its_level() {
        let page = "<ul><li>genomföra trygghetsvandringar, där kommunen ska:<ol><li>tända \
                    gatubelysningen<ul><li>i parken</li></ul></li></ol></li><li>besöka \
                    skolorna</li></ul><p>Slut.</p>";
        assert_eq!(
            text_of(page),
            "• genomföra trygghetsvandringar, där kommunen ska:\n\n– tända gatubelysningen\n\n\
             ◦ i parken\n\n• besöka skolorna\n\nSlut.\n"
        );
    }

    #[test]
    fn a_tree_deeper_than_the_stack_would_allow_is_walked() {
        // A walk that recursed once per element overflowed this small stack (a worker
        // thread's is 2 MB). The parser's depth checks keep trees this deep from the
        // walk (at most about 1,300 deep get through), but the walk must not rely on it.
        let depth = 3_000;
        let page = format!(
            "<html><body>{}<p>Polisen ska patrullera.</p>{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let text = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || text_of_tree(&Html::parse_document(&page)))
            .expect("a thread")
            .join()
            .expect("no panic");
        assert_eq!(text, "Polisen ska patrullera.\n");
    }

    /// A page with its text `depth` elements deep: a heading, a paragraph and a list.
    fn nested_page(depth: usize) -> String {
        format!(
            "<!DOCTYPE html><html><head><title>Löfte</title></head><body>{}\
             <h2>Polisen åtar sig</h2><p>Polisen lovar att:</p><ul><li>patrullera \
             centrum</li><li>besöka skolor</li></ul>{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        )
    }

    #[test]
    fn a_page_nested_too_deep_for_the_tree_is_read_flat_with_a_warning() {
        let expected = "Polisen åtar sig\n\nPolisen lovar att:\n\n• patrullera centrum\n\
                        • besöka skolor\n";
        let shallow = read_page(&nested_page(MAX_DEPTH - 10));
        assert_eq!(shallow.text, expected);
        assert_eq!(shallow.warning, None);
        // 100,000 deep took the tree builder 31 s; read flat, it is linear.
        let deep = read_page(&nested_page(100_000));
        assert_eq!(deep.text, expected);
        let warning = deep.warning.expect("a warning");
        assert!(warning.contains("more than 512 deep"), "{warning}");
    }

    #[test]
    fn a_deep_stretch_is_found_in_any_piece_of_the_page() {
        // The deep part starts well after the first piece and ends before the last.
        let page = format!(
            "<html><body>{}{}<p>Mitt i.</p>{}{}</body></html>",
            "<p>Inledande stycke.</p>".repeat(2 * PIECE / 22),
            "<div>".repeat(10 * MAX_DEPTH),
            "</div>".repeat(10 * MAX_DEPTH),
            "<p>Avslutande stycke.</p>".repeat(2 * PIECE / 23)
        );
        let read = read_page(&page);
        assert!(read.warning.is_some());
        assert!(read.text.contains("\nMitt i.\n"));
        assert!(read.text.ends_with("Avslutande stycke.\n"));
    }

    #[test]
    fn flat_reading_lays_out_a_page_as_the_tree_does() {
        let pages = [
            r#"<!DOCTYPE html><html><head><title>Sida</title><style>p{}</style><script>if (a<b) {}</script>
            <body><header><a href="/">Till toppen</a></header><nav><ul><li>Meny</li></ul></nav>
            <div class="content"><h2>Polisens   åtaganden</h2><span hidden>dold <b>text</b></span>
            <p>Polisen <b>ska</b> genomföra
               trygghetsvandringar.<br>Kommunen<br/>deltar.<img src="x.png"></p>
            <ol><li>besöka skolor</li><li>ordna möten</li></ol>
            <table><tr><th>Åtgärd</th><th>Ansvar</th></tr><tr><td>Vandring</td><td>Kommunen</td></tr></table>
            <form><input hidden><button>Skicka</button></form>
            <script>var x = "</div><script>";</script></div><footer>Cookies</footer></body></html>"#,
            "<ul><li>genomföra trygghetsvandringar, där kommunen ska:<ol><li>tända \
             gatubelysningen<ul><li>i parken</li></ul></li></ol></li><li>besöka \
             skolorna</li></ul><p>Slut &amp; klart&nbsp;nu.</p>",
        ];
        for page in pages {
            let tree = text_of_tree(&parse_tree(page).expect("a shallow page"));
            assert_eq!(text_of_tokens(page), tree, "{page}");
        }
    }

    proptest::proptest! {
        // Pages whose every element is closed where the tree would close it: read flat,
        // they give the tree's text.
        #[test]
        fn flat_reading_agrees_with_the_tree_on_well_formed_pages(
            blocks in proptest::collection::vec(block(), 1..6),
        ) {
            let page = format!("<html><body>{}</body></html>", blocks.concat());
            let tree = text_of_tree(&parse_tree(&page).expect("a shallow page"));
            proptest::prop_assert_eq!(text_of_tokens(&page), tree);
        }
    }

    proptest::proptest! {
        // Any tag soup, read flat, gives layout: trimmed lines, at most one blank line
        // in a row, and a final line break after any text.
        #[test]
        fn flat_reading_of_any_markup_gives_layout(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "<div>", "</div>", "<p>", "</p>", "<ul>", "</ul>", "<ol>", "<li>", "</li>",
                "<br>", "<br/>", "<table>", "<tr>", "<td>", "</td>", "</tr>", "<h2>", "</h2>",
                "<script>", "</script>", "<nav>", "</nav>", "<span hidden>", "</span>",
                "<title>", "</title>", "<head>", "<!-- x -->", "<", ">", "&amp;", "&",
                " ", "\n", "\t", "Polisen", "ska", "patrullera.", "å", "<plaintext>",
            ]), 0..60),
        ) {
            let text = text_of_tokens(&pieces.concat());
            if !text.is_empty() {
                proptest::prop_assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{text:?}");
            }
            proptest::prop_assert!(!text.contains("\n\n\n"), "{text:?}");
            for line in text.lines() {
                proptest::prop_assert_eq!(line, line.trim(), "{:?}", text);
            }
        }
    }

    /// Inline content: words, emphasis, line breaks.
    fn inline() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just("Polisen ska patrullera.".to_string()),
            Just(" kommunen ".to_string()),
            Just("trygghet&amp;ordning".to_string()),
            Just("<br>".to_string()),
        ];
        leaf.prop_recursive(3, 12, 4, |inner| {
            (
                proptest::sample::select(vec!["b", "i", "span", "a"]),
                proptest::collection::vec(inner, 1..4),
            )
                .prop_map(|(tag, parts)| format!("<{tag}>{}</{tag}>", parts.concat()))
        })
    }

    /// Block content: paragraphs, headings, lists, tables, containers, skipped parts.
    fn block() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            inline().prop_map(|text| format!("<p>{text}</p>")),
            inline().prop_map(|text| format!("<h3>{text}</h3>")),
            inline().prop_map(|text| format!("<nav>{text}</nav>")),
            Just("<script>var a = 1 < 2;</script>".to_string()),
            proptest::collection::vec(inline(), 1..4).prop_map(|cells| format!(
                "<table><tr>{}</tr></table>",
                cells
                    .iter()
                    .map(|cell| format!("<td>{cell}</td>"))
                    .collect::<String>()
            )),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 1..4)
                    .prop_map(|blocks| format!("<div>{}</div>", blocks.concat())),
                proptest::collection::vec((inline(), proptest::option::of(inner)), 1..4).prop_map(
                    |items| format!(
                        "<ul>{}</ul>",
                        items
                            .iter()
                            .map(|(text, sub)| format!(
                                "<li>{text}{}</li>",
                                sub.as_deref().unwrap_or("")
                            ))
                            .collect::<String>()
                    )
                ),
            ]
        })
    }

    #[test]
    fn plain_text_is_not_html() {
        assert!(!looks_like_html("Polisen ska <i>nog</i> komma."));
    }
}
