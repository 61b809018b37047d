//! An agreement's text as a municipal web page, for the tests and benches that read
//! HTML (included by path, since tests and benches are separate crates).

/// `text` as a web page: blocks become headings, paragraphs (lines joined by `<br>`) and
/// lists, in a `<main>` inside `depth` nested `<div>`s, with a title, a script,
/// navigation, a hidden cookie banner and a footer around it.
pub fn web_page(text: &str, depth: usize) -> String {
    let mut body = String::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let lines: Vec<&str> = block.lines().collect();
        if lines.iter().all(|l| l.starts_with("• ")) {
            body.push_str("<ul>");
            for line in lines {
                body.push_str(&format!("<li>{}</li>", &line["• ".len()..]));
            }
            body.push_str("</ul>\n");
        } else if lines.len() == 1 && !block.trim_end().ends_with(['.', ':', '!', '?']) {
            body.push_str(&format!("<h2>{}</h2>\n", block.trim()));
        } else {
            body.push_str(&format!("<p>{}</p>\n", lines.join("<br>")));
        }
    }
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Avtal</title>\
         <script>track()</script></head><body><nav><ul><li>Start</li><li>Kontakt</li></ul>\
         </nav><div id=\"cookie\" hidden>Vi använder kakor</div>{}<main>{body}</main>{}\
         <footer>Kommunen</footer></body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    )
}
