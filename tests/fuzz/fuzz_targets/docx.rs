//! Any bytes as a Word document: the DOCX reader returns text or an error, never a
//! panic or an unbounded allocation (libFuzzer's -rss_limit_mb catches the latter).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = lofte::docx::text_of(bytes);
});
