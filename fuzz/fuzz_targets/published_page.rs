#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| smile_sec::fuzz_props::published_page(data));
