//! DOCX: the text of a Word document, laid out as lines the segmenter understands.
//!
//! Input: the bytes of a `.docx` file. Output: plain text in which a paragraph is a
//! block between blank lines, a paragraph with a heading style is a heading block, a
//! paragraph with Word numbering (a bullet or a number) is a `• ` line (at a deeper
//! numbering level a `– ` line, and so on: `segment::level_bullet`), and a table row
//! is one line with its cells separated by tabs. Deleted text (tracked changes) is
//! left out. The XML part is read with a size cap, so a zip bomb is refused rather
//! than inflated.

use std::io::Read;

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::segment::level_bullet;

/// The largest `word/document.xml` lofte inflates (an agreement is far smaller).
pub const MAX_XML_BYTES: u64 = 64 * 1024 * 1024;

/// Is this a zip archive (the container of a DOCX), whatever its file name says?
pub fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The text of a DOCX file, or the reason it cannot be read.
pub fn text_of(bytes: &[u8]) -> Result<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|err| format!("cannot read DOCX: {err}"))?;
    let mut part = archive.by_name("word/document.xml").map_err(|_| {
        "cannot read DOCX: it has no word/document.xml (is it a Word document?)".to_string()
    })?;
    if part.size() > MAX_XML_BYTES {
        return Err(format!("cannot read DOCX: its text part inflates to {} bytes, more than the {MAX_XML_BYTES} allowed", part.size()));
    }
    let mut xml = String::new();
    part.by_ref()
        .take(MAX_XML_BYTES + 1)
        .read_to_string(&mut xml)
        .map_err(|err| format!("cannot read DOCX: {err}"))?;
    if xml.len() as u64 > MAX_XML_BYTES {
        return Err(format!(
            "cannot read DOCX: its text part is larger than the {MAX_XML_BYTES} bytes allowed"
        ));
    }
    layout(&xml)
}

/// What the paragraph being read is.
#[derive(Default)]
struct Paragraph {
    text: String,
    heading: bool,
    numbered: bool,
    /// The numbering level (`w:ilvl`): 0 for a list, 1 for a list inside it, …
    level: usize,
}

/// Turns `word/document.xml` into laid-out text.
fn layout(xml: &str) -> Result<String, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let mut paragraph: Option<Paragraph> = None;
    let mut row: Option<Vec<String>> = None;
    let mut in_text = false;
    let mut deleted = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|err| format!("cannot read DOCX: broken XML: {err}"))?;
        match event {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"w:p" => paragraph = Some(Paragraph::default()),
                b"w:pStyle" => {
                    let style = attribute(&e, b"w:val").to_lowercase();
                    if let Some(p) = paragraph.as_mut() {
                        p.heading |= style.starts_with("heading")
                            || style.starts_with("rubrik")
                            || style == "title";
                    }
                }
                b"w:numPr" => {
                    if let Some(p) = paragraph.as_mut() {
                        p.numbered = true;
                    }
                }
                b"w:ilvl" => {
                    if let Some(p) = paragraph.as_mut() {
                        p.level = attribute(&e, b"w:val").parse().unwrap_or(0);
                    }
                }
                b"w:t" => in_text = true,
                b"w:tab" => push(&mut paragraph, "\t", deleted),
                b"w:br" | b"w:cr" => push(&mut paragraph, "\n", deleted),
                b"w:del" => deleted += 1,
                b"w:tr" => row = Some(Vec::new()),
                b"w:tbl" => blank_line(&mut out),
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                b"w:t" => in_text = false,
                b"w:del" => deleted = deleted.saturating_sub(1),
                b"w:p" => {
                    if let Some(p) = paragraph.take() {
                        let text = p.text.trim().to_string();
                        match row.as_mut() {
                            // Inside a table the paragraph is (part of) a cell.
                            Some(cells) => {
                                if !text.is_empty() {
                                    cells.push(text);
                                }
                            }
                            None if text.is_empty() => {}
                            None if p.numbered => {
                                out.push_str(level_bullet(p.level));
                                out.push_str(&text);
                                out.push('\n');
                            }
                            None if p.heading => {
                                blank_line(&mut out);
                                out.push_str(&text);
                                out.push_str("\n\n");
                            }
                            None => {
                                blank_line(&mut out);
                                out.push_str(&text);
                                out.push_str("\n\n");
                            }
                        }
                    }
                }
                b"w:tr" => {
                    if let Some(cells) = row.take() {
                        if !cells.is_empty() {
                            out.push_str(&cells.join("\t"));
                            out.push('\n');
                        }
                    }
                }
                b"w:tbl" => blank_line(&mut out),
                _ => {}
            },
            Event::Text(t) if in_text => {
                let text = t
                    .decode()
                    .map_err(|err| format!("cannot read DOCX: {err}"))?;
                push(&mut paragraph, &text, deleted);
            }
            Event::GeneralRef(r) if in_text => {
                let name: &[u8] = &r;
                let resolved = match name {
                    b"amp" => Some('&'),
                    b"lt" => Some('<'),
                    b"gt" => Some('>'),
                    b"quot" => Some('"'),
                    b"apos" => Some('\''),
                    _ => r.resolve_char_ref().ok().flatten(),
                };
                if let Some(ch) = resolved {
                    push(&mut paragraph, &ch.to_string(), deleted);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out.trim_end().to_string() + "\n")
}

fn push(paragraph: &mut Option<Paragraph>, text: &str, deleted: usize) {
    if deleted > 0 {
        return;
    }
    if let Some(p) = paragraph.as_mut() {
        p.text.push_str(text);
    }
}

/// Ends a list or table with a blank line before the next block.
fn blank_line(out: &mut String) {
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
}

fn attribute(element: &quick_xml::events::BytesStart, name: &[u8]) -> String {
    element
        .try_get_attribute(name)
        .ok()
        .flatten()
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
        .unwrap_or_default()
}

#[doc(hidden)]
/// Builds a DOCX file from paragraphs, for tests: `# ` marks a heading, `• ` a numbered
/// (bulleted) paragraph, `– ` one at the numbering's second level, `|` separates the
/// cells of a one-row table.
pub fn build_for_tests(paragraphs: &[&str]) -> Vec<u8> {
    use std::io::Write;
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let run = |text: &str| {
        format!(
            "<w:r><w:t xml:space=\"preserve\">{}</w:t></w:r>",
            escape(text)
        )
    };
    let mut body = String::new();
    for paragraph in paragraphs {
        if let Some(text) = paragraph.strip_prefix("# ") {
            body.push_str(&format!(
                "<w:p><w:pPr><w:pStyle w:val=\"Heading2\"/></w:pPr>{}</w:p>",
                run(text)
            ));
        } else if let Some((level, text)) =
            (0..2).find_map(|level| Some((level, paragraph.strip_prefix(level_bullet(level))?)))
        {
            body.push_str(&format!(
                "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"{level}\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr>{}</w:p>",
                run(text)
            ));
        } else if paragraph.contains('|') {
            body.push_str("<w:tbl><w:tr>");
            for cell in paragraph.split('|') {
                body.push_str(&format!("<w:tc><w:p>{}</w:p></w:tc>", run(cell.trim())));
            }
            body.push_str("</w:tr></w:tbl>");
        } else {
            body.push_str(&format!("<w:p>{}</w:p>", run(paragraph)));
        }
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut buffer = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buffer);
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("word/document.xml", options)
        .expect("zip entry");
    zip.write_all(xml.as_bytes()).expect("zip write");
    zip.finish().expect("zip finish");
    buffer.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_headings_bullets_and_tables_become_layout() {
        let bytes = build_for_tests(&[
            "Medborgarlöfte 2021",
            "# Polisens åtaganden",
            "Polisen lovar att:",
            "• genomföra trygghetsvandringar",
            "• besöka skolor & fritidsgårdar",
            "Åtgärd | Ansvar",
            "Kommunen deltar.",
        ]);
        assert!(looks_like_zip(&bytes));
        assert_eq!(
            text_of(&bytes).unwrap(),
            "Medborgarlöfte 2021\n\nPolisens åtaganden\n\nPolisen lovar att:\n\n• genomföra trygghetsvandringar\n• besöka skolor & fritidsgårdar\n\nÅtgärd\tAnsvar\n\nKommunen deltar.\n"
        );
    }

    #[test]
    fn a_list_inside_a_list_keeps_its_level() {
        let bytes = build_for_tests(&[
            "Polisen lovar att:",
            "• genomföra trygghetsvandringar, där kommunen ska:",
            "– tända gatubelysningen",
            "• besöka skolorna",
        ]);
        // The actors this layout gets: actor.rs, `an_item_after_a_list_inside_the_list_…`.
        assert_eq!(
            text_of(&bytes).unwrap(),
            "Polisen lovar att:\n\n• genomföra trygghetsvandringar, där kommunen ska:\n– tända gatubelysningen\n• besöka skolorna\n"
        );
    }

    #[test]
    fn broken_and_foreign_zips_are_refused_with_a_reason() {
        let bytes = build_for_tests(&["Polisen ska."]);
        let truncated = &bytes[..bytes.len() / 2];
        assert!(text_of(truncated)
            .unwrap_err()
            .starts_with("cannot read DOCX"));
        let mut buffer = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buffer);
        zip.start_file("other.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.finish().unwrap();
        let err = text_of(&buffer.into_inner()).unwrap_err();
        assert!(err.contains("no word/document.xml"), "{err}");
    }
}
