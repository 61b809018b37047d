//! HTML: the visible text of a web page, laid out as lines the segmenter understands.
//!
//! Input: decoded HTML. Output: plain text in which block structure becomes layout:
//! a heading or paragraph is a block between blank lines, a list item a `• ` line (in
//! a list inside a list, a `– ` line, and so on: `segment::level_bullet`), a `<br>` a
//! line break, a table row one line with its cells separated by tabs.
//! Scripts, styles, navigation, headers, footers, forms and asides are dropped; when
//! the page has a `<main>` or `<article>`, only that is read.

use scraper::{ElementRef, Html, Node, Selector};

use crate::segment::level_bullet;

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
    let document = Html::parse_document(html);
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
                match name {
                    "li" => {
                        out.line_break();
                        out.push_text(level_bullet(out.lists.saturating_sub(1)));
                    }
                    "ul" | "ol" => {
                        out.lists += 1;
                        out.block_break();
                    }
                    "tr" => out.line_break(),
                    "td" | "th" if !out.line.is_empty() => out.line.push('\t'),
                    _ if is_heading(name) || BLOCKS.contains(&name) => out.block_break(),
                    _ => {}
                }
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
            Step::Close(name) => match name {
                "li" | "tr" => out.line_break(),
                "ul" | "ol" => {
                    out.lists = out.lists.saturating_sub(1);
                    out.block_break();
                }
                _ if is_heading(name) || BLOCKS.contains(&name) => out.block_break(),
                _ => {}
            },
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
    fn a_page_nested_deeper_than_the_stack_would_allow_is_read() {
        // A walk that recursed once per element overflowed this small stack (a worker
        // thread's is 2 MB; pages nested 100,000 deep reach it).
        let depth = 3_000;
        let page = format!(
            "<html><body>{}<p>Polisen ska patrullera.</p>{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let text = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || text_of(&page))
            .expect("a thread")
            .join()
            .expect("no panic");
        assert_eq!(text, "Polisen ska patrullera.\n");
    }

    #[test]
    fn plain_text_is_not_html() {
        assert!(!looks_like_html("Polisen ska <i>nog</i> komma."));
    }
}
