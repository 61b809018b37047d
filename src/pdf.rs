//! Reading PDF: the text of each page. `read` joins the pages with form feeds (page
//! breaks) so that segmentation drops page furniture and numbers each unit's page.
//!
//! The parser (pdf-extract, on lopdf) joins nothing across lines, so the Swedish-aware
//! de-hyphenation of `segment` still applies. A PDF from which no character comes out
//! is a failure with a reason: encrypted, or a scanned image without a text layer.
//! The parser can crash on damaged files, so the binary runs it in a child process
//! (see `isolate`).

/// True when the bytes start like a PDF file, whatever the extension says.
pub fn looks_like_pdf(bytes: &[u8]) -> bool {
    memchr::memmem::find(&bytes[..1024.min(bytes.len())], b"%PDF-").is_some()
}

/// The text of each page, or why there is none.
pub fn pages(bytes: &[u8]) -> Result<Vec<String>, String> {
    let mut document = pdf_extract::Document::load_mem(bytes)
        .map_err(|err| format!("damaged PDF: cannot parse it ({err})"))?;
    // Files protected only by an owner password open with the empty user password.
    if document.is_encrypted() && document.decrypt("").is_err() {
        return Err("encrypted PDF: it needs a password to open".into());
    }
    // Page by page from the document already loaded (and decrypted), stopping at the
    // first page the parser cannot render, as pdf-extract's own page loop does.
    let mut pages = Vec::new();
    for number in 1..=document.get_pages().len() as u32 {
        let mut text = String::new();
        let mut output = pdf_extract::PlainTextOutput::new(&mut text);
        if pdf_extract::output_doc_page(&document, &mut output, number).is_err() {
            break;
        }
        pages.push(text);
    }
    if pages.iter().all(|page| page.trim().is_empty()) {
        return Err(if document.was_encrypted() {
            "encrypted PDF: no text could be extracted".into()
        } else {
            "no text in the PDF: a scanned image without a text layer (lofte does not do OCR), or empty pages".into()
        });
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_pdf_by_its_header() {
        assert!(looks_like_pdf(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"));
        assert!(!looks_like_pdf(b"Polisen ska patrullera."));
    }

    #[test]
    fn garbage_after_a_pdf_header_is_a_damaged_pdf() {
        let reason = pages(b"%PDF-1.4\nthis is not a pdf at all").unwrap_err();
        assert!(reason.starts_with("damaged PDF"), "{reason}");
    }
}
