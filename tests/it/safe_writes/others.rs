//! The other writers: `fetch`'s snapshot folder, `fleet --out-dir`, and `--output FILE`.
