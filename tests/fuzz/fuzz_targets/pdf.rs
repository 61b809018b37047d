//! Any bytes as a PDF, parsed in-process. The parser panics on many damaged files;
//! lofte catches those (`isolate::pages_in_process`), so this target silences libFuzzer's
//! abort-on-panic and reports what a panic guard cannot stop: stack overflows, memory
//! blow-ups and hangs — the reasons the binary parses PDFs in a child process.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        std::panic::set_hook(Box::new(|_| {}));
    },
    |bytes: &[u8]| {
        let _ = lofte::isolate::pages_in_process(lofte::isolate::Format::Pdf, bytes);
    }
);
