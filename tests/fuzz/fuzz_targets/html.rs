//! Any text as a web page: the HTML reader returns text without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let page = String::from_utf8_lossy(bytes);
    let _ = lofte::html::text_of(&page);
});
